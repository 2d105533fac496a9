package logs

import (
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRotatingWrite writes 4 KiB chunks to a file rotating at 8 MB
// with 2 backups.
func BenchmarkRotatingWrite(b *testing.B) {
	r, err := OpenRotating(filepath.Join(b.TempDir(), "f.log"), 8_000_000, 2)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	chunk := make([]byte, 4096)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMainLogLine logs one line with an attribute to a main log
// rotating at 1 MB; the time includes writing the line to the file.
func BenchmarkMainLogLine(b *testing.B) {
	m, err := OpenMainLog(MainLogConfig{Logfile: filepath.Join(b.TempDir(), "main.log"), MaxBytes: 1_000_000, Backups: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	logger := slog.New(m.Handler())
	b.ReportAllocs()
	for b.Loop() {
		logger.Info("spawned: 'cat' with pid 4242", "attempt", 1)
	}
	if err := m.Flush(); err != nil {
		b.Fatal(err)
	}
}

// benchmarkPump measures the pipe-to-log throughput of Pump: a goroutine
// writes 1 MiB blocks into a pipe, Pump copies them into the channel.
func benchmarkPump(b *testing.B, cfg ChannelConfig) {
	cfg.ProcessName, cfg.Channel = "bench", "stdout"
	cfg.Logfile = filepath.Join(b.TempDir(), "out.log")
	cfg.MaxBytes, cfg.Backups = 50_000_000, 1
	ch, err := NewChannel(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer ch.Close()
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	block := make([]byte, 1<<20)
	copy(block, patternBlock())
	done := make(chan error, 1)
	go func() { done <- Pump(r, ch) }()
	b.SetBytes(int64(len(block)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Write(block); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	r.Close()
}

func BenchmarkPumpPassthrough(b *testing.B) { benchmarkPump(b, ChannelConfig{}) }

func BenchmarkPumpInspecting(b *testing.B) {
	benchmarkPump(b, ChannelConfig{CaptureMaxBytes: 1 << 20, OnLog: func([]byte) {}})
}

// BenchmarkPumpChild pumps 256 MiB written by a child process into a
// passthrough channel and reports the daemon-side CPU time per MiB
// (user+system of this process).
func BenchmarkPumpChild(b *testing.B) {
	const total = 256 << 20
	var cpu time.Duration
	for b.Loop() {
		ch, err := NewChannel(ChannelConfig{ProcessName: "b", Channel: "stdout",
			Logfile: filepath.Join(b.TempDir(), "out.log"), MaxBytes: 50_000_000, Backups: 1})
		if err != nil {
			b.Fatal(err)
		}
		r, cmd := startPatternChild(b, total)
		before := selfCPU()
		if err := Pump(r, ch); err != nil {
			b.Fatal(err)
		}
		cpu += selfCPU() - before
		r.Close()
		cmd.Wait()
		ch.Close()
	}
	b.SetBytes(total)
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N)/(total>>20), "cpu-µs/MiB")
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
