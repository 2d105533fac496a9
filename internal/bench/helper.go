package bench

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// HelperArg, as the first argument of the harness's own executable, turns
// it into one of the helper programs the scenarios run under a daemon.
const HelperArg = "__bench-helper"

// IsHelper reports whether args (os.Args) ask for a helper program.
func IsHelper(args []string) bool { return len(args) > 1 && args[1] == HelperArg }

// RunHelper runs the helper program named by args[2] and returns its exit
// status. The only helper is "produce": it writes -bytes bytes of log-like
// text to stdout (or -out) in -chunk sized writes, timing itself, and
// records the timing in -report. Because a full pipe blocks the writer, the
// producer's own time is the rate at which its reader (a daemon capturing
// stdout, or cat) consumed the data, without any polling by the harness.
//
// The "httpfloor" helper (-addr 127.0.0.1:PORT [-body FILE]) is no daemon
// at all: a net/http server that answers every request with the same
// getState response (or the content of FILE), doing nothing else. wrk against it measures what one HTTP round
// trip costs on the machine (scripts/rpc-wrk.sh), the ceiling of any
// XML-RPC server written with net/http. It runs until killed.
func RunHelper(args []string, stderr io.Writer) int {
	if IsHelper(args) && len(args) >= 3 && args[2] == "httpfloor" {
		return runHTTPFloor(args[3:], stderr)
	}
	if !IsHelper(args) || len(args) < 3 || args[2] != "produce" {
		fmt.Fprintf(stderr, "usage: %s %s produce -bytes N -chunk N -report FILE [-out FILE]\n", args[0], HelperArg)
		fmt.Fprintf(stderr, "       %s %s httpfloor -addr 127.0.0.1:PORT [-body FILE]\n", args[0], HelperArg)
		return 2
	}
	fs := flag.NewFlagSet("produce", flag.ContinueOnError)
	fs.SetOutput(stderr)
	total := fs.Int64("bytes", 1<<20, "how many bytes to write")
	chunk := fs.Int("chunk", 64<<10, "size of each write")
	report := fs.String("report", "", "file that receives the timing, as JSON")
	out := fs.String("out", "", "write to this file instead of stdout")
	if err := fs.Parse(args[3:]); err != nil {
		return 2
	}
	if *chunk <= 0 || *total < 0 || *report == "" {
		fmt.Fprintln(stderr, "produce: -chunk must be positive and -report set")
		return 2
	}
	w := os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(stderr, "produce:", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	res, err := produce(w, *total, *chunk)
	if err != nil {
		fmt.Fprintln(stderr, "produce:", err)
		return 1
	}
	if err := writeReport(*report, res); err != nil {
		fmt.Fprintln(stderr, "produce:", err)
		return 1
	}
	return 0
}

// ProduceResult is what the producer records in its report file.
type ProduceResult struct {
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
}

// produce writes total bytes of 64-byte text lines to w in chunk-sized
// writes, straight to the file descriptor (no buffering), and times it.
func produce(w io.Writer, total int64, chunk int) (ProduceResult, error) {
	const line = "supvisors-bench producer: a line of log-like text for capture.\n"
	buf := make([]byte, chunk)
	for i := range buf {
		buf[i] = line[i%len(line)]
	}
	t0 := time.Now()
	var written int64
	for written < total {
		n := int(min(int64(chunk), total-written))
		m, err := w.Write(buf[:n])
		written += int64(m)
		if err != nil {
			return ProduceResult{}, err
		}
	}
	return ProduceResult{Bytes: written, Seconds: time.Since(t0).Seconds()}, nil
}

// writeReport writes the result under a temporary name and renames it, so
// that a reader polling for the file never sees it half written.
func writeReport(path string, res ProduceResult) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := json.NewEncoder(bw).Encode(res); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// readReport reads a producer's report; os.ErrNotExist until it is done.
func readReport(path string) (ProduceResult, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ProduceResult{}, err
	}
	var res ProduceResult
	if err := json.Unmarshal(data, &res); err != nil {
		return ProduceResult{}, fmt.Errorf("bench: producer report %s: %w", path, err)
	}
	return res, nil
}
