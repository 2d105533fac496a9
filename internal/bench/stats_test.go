package bench

import (
	"math"
	"testing"
)

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []float64
		want   Summary
	}{
		{"odd", []float64{3, 1, 2}, Summary{Median: 2, Min: 1, Max: 3, N: 3}},
		{"even", []float64{4, 1, 3, 2}, Summary{Median: 2.5, Min: 1, Max: 4, N: 4}},
		{"one", []float64{7}, Summary{Median: 7, Min: 7, Max: 7, N: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]float64(nil), tc.values...)
			if got := Summarize(tc.values); got != tc.want {
				t.Errorf("Summarize(%v) = %+v, want %+v", in, got, tc.want)
			}
			for i := range in {
				if in[i] != tc.values[i] {
					t.Fatalf("Summarize reordered its input: %v", tc.values)
				}
			}
		})
	}
	if got := Summarize(nil); got.N != 0 || !math.IsNaN(got.Median) {
		t.Errorf("Summarize(nil) = %+v, want N=0 and NaN median", got)
	}
}

func TestPercentile(t *testing.T) {
	hundred := make([]float64, 100)
	for i := range hundred {
		hundred[i] = float64(100 - i) // 100..1, unsorted
	}
	for _, tc := range []struct {
		values []float64
		p      float64
		want   float64
	}{
		{hundred, 50, 50},
		{hundred, 99, 99},
		{hundred, 100, 100},
		{hundred, 0.1, 1},
		{[]float64{5}, 99, 5},
		{[]float64{1, 2}, 50, 1},
		{[]float64{1, 2}, 99, 2},
	} {
		if got := Percentile(append([]float64(nil), tc.values...), tc.p); got != tc.want {
			t.Errorf("Percentile(%d values, %v) = %v, want %v", len(tc.values), tc.p, got, tc.want)
		}
	}
	if got := Percentile(nil, 50); !math.IsNaN(got) {
		t.Errorf("Percentile(nil) = %v, want NaN", got)
	}
}

func TestRatio(t *testing.T) {
	if got := Ratio(3, 2); got != 1.5 {
		t.Errorf("Ratio(3, 2) = %v", got)
	}
	for _, tc := range [][2]float64{{1, 0}, {math.NaN(), 1}, {1, math.NaN()}} {
		if got := Ratio(tc[0], tc[1]); !math.IsNaN(got) {
			t.Errorf("Ratio(%v, %v) = %v, want NaN", tc[0], tc[1], got)
		}
	}
}
