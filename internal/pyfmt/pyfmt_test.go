package pyfmt

import (
	"math"
	"testing"
)

func TestAppendFloatSpellsLikePython(t *testing.T) {
	// Each value as CPython 3.11 prints repr(value).
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-2.5, "-2.5"},
		{1234567, "1234567.0"},
		{1795468990.9472034, "1795468990.9472034"},
		{3193.167628272, "3193.167628272"},
		{0.0001, "0.0001"},
		{0.00001, "1e-05"},
		{1e15, "1000000000000000.0"},
		{1e16, "1e+16"},
		{1.5e300, "1.5e+300"},
		{0.30000000000000004, "0.30000000000000004"},
	} {
		if got := string(AppendFloat(nil, tt.in)); got != tt.want {
			t.Errorf("AppendFloat(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
