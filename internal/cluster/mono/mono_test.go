package mono

import (
	"testing"
	"time"
)

func TestNowNeverGoesBack(t *testing.T) {
	prev := Now()
	if prev <= 0 {
		t.Fatalf("Now() = %v, want a positive uptime", prev)
	}
	for range 1000 {
		n := Now()
		if n < prev {
			t.Fatalf("Now() went back from %v to %v", prev, n)
		}
		prev = n
	}
}

func TestAt(t *testing.T) {
	if got := At(time.Time{}); got != 0 {
		t.Errorf("At(zero) = %v, want 0", got)
	}
	past := time.Now().Add(-10 * time.Second)
	got := At(past)
	want := Now() - 10
	if d := got - want; d > 1 || d < -1 {
		t.Errorf("At(10 s ago) = %v, want about %v", got, want)
	}
}
