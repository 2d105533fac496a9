package logs

import (
	"errors"
	"log/syslog"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// A missing syslog daemon is looked for at most every syslogRedialDelay.
func TestSyslogRedialDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		saved := syslogDial
		dials := 0
		syslogDial = func() (*syslog.Writer, error) {
			dials++
			return nil, errors.New("no syslog here")
		}
		sharedSyslog.reset()
		defer func() { syslogDial = saved; sharedSyslog.reset() }()

		sharedSyslog.send("a")
		sharedSyslog.send("b")
		if dials != 1 {
			t.Fatalf("%d dials, want 1", dials)
		}
		time.Sleep(syslogRedialDelay - time.Second)
		sharedSyslog.send("c")
		if dials != 1 {
			t.Fatalf("%d dials before the delay, want 1", dials)
		}
		time.Sleep(time.Second)
		sharedSyslog.send("d")
		if dials != 2 {
			t.Fatalf("%d dials after the delay, want 2", dials)
		}
	})
}

func TestSyslogLines(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"one\ntwo\n", []string{"one", "two"}},
		{"a\n\nb\n\n\n", []string{"a", "", "b"}},
		{"no newline", []string{"no newline"}},
		{"\n", []string{""}},
		{"", []string{""}},
	}
	for _, tt := range tests {
		var got []string
		syslogLines([]byte(tt.in), func(l []byte) { got = append(got, string(l)) })
		if !slices.Equal(got, tt.want) {
			t.Errorf("syslogLines(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
