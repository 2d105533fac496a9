package bench

import (
	"math"
	"slices"
)

// Summary is what the report shows for one series of repeated measurements.
type Summary struct {
	Median, Min, Max float64
	N                int
}

// Summarize returns the median, min and max of values; N is zero when
// values is empty.
func Summarize(values []float64) Summary {
	if len(values) == 0 {
		return Summary{Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return Summary{Median: median(sorted), Min: sorted[0], Max: sorted[len(sorted)-1], N: len(sorted)}
}

// median of an already sorted, non-empty slice; the mean of the two middle
// values when the length is even.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Percentile returns the p-th percentile (0 < p <= 100) of values by the
// nearest-rank method, which needs no interpolation and always returns an
// observed value. It sorts values in place.
func Percentile(values []float64, p float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	slices.Sort(values)
	rank := int(math.Ceil(p / 100 * float64(len(values))))
	rank = min(max(rank, 1), len(values))
	return values[rank-1]
}

// Ratio is a/b, or NaN when either is missing or b is zero.
func Ratio(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return math.NaN()
	}
	return a / b
}
