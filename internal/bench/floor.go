package bench

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"

	"github.com/supvisors-go/supvisors/internal/server"
)

// floorStateResponse is what supervisor.getState answers, byte for byte the
// size of a real daemon's answer.
const floorStateResponse = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n" +
	"<value><struct>\n<member>\n<name>statecode</name>\n<value><int>1</int></value>\n</member>\n" +
	"<member>\n<name>statename</name>\n<value><string>RUNNING</string></value>\n</member>\n" +
	"</struct></value>\n</param>\n</params>\n</methodResponse>\n"

// runHTTPFloor is the "httpfloor" helper: see RunHelper.
func runHTTPFloor(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("httpfloor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	bodyFile := fs.String("body", "", "answer this file's content instead of a getState response")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	body := floorStateResponse
	if *bodyFile != "" {
		b, err := os.ReadFile(*bodyFile)
		if err != nil {
			fmt.Fprintln(stderr, "httpfloor:", err)
			return 1
		}
		body = string(b)
	}
	l, err := server.ListenLoopback(*addr)
	if err != nil {
		fmt.Fprintln(stderr, "httpfloor:", err)
		return 1
	}
	if err := http.Serve(l, floorHandler(body)); err != nil {
		fmt.Fprintln(stderr, "httpfloor:", err)
		return 1
	}
	return 0
}

// floorHandler reads the request body and answers body, as an XML-RPC
// server would without decoding, dispatching or encoding.
func floorHandler(body string) http.Handler {
	length := strconv.Itoa(len(body))
	// One Write of the whole answer: net/http then hands it to the
	// connection in one piece, where WriteString would copy it through its
	// 2 KiB buffer, one piece at a time.
	answer := []byte(body)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(answer)
	})
}
