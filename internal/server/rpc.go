package server

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// rpcHandler serves XML-RPC on /RPC2*.
type rpcHandler struct {
	rpc          RPC
	maxBody      int64
	bodyTimeout  time.Duration
	writeTimeout time.Duration
	logger       *slog.Logger
}

// responseBuffers recycles response documents: a getAllProcessInfo
// answer is hundreds of kilobytes and polled often.
var responseBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (h *rpcHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusBadRequest)
		return
	}
	// Supervisor requires a Content-Length; a chunked body has none.
	if r.ContentLength < 0 || len(r.Header.Values("Content-Length")) == 0 {
		writeError(w, http.StatusLengthRequired)
		return
	}
	if r.ContentLength > h.maxBody {
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusRequestEntityTooLarge)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(h.bodyTimeout))
	method, params, err := xmlrpc.DecodeCall(r.Body, h.maxBody)
	if err == nil {
		// Read to the end so that net/http starts watching the
		// connection: the call's context is then cancelled if the
		// client goes away.
		_, err = io.Copy(io.Discard, r.Body)
	}
	if err != nil {
		h.logger.Error("XML-RPC request data is invalid", "error", err)
		writeError(w, http.StatusBadRequest)
		return
	}
	// No read deadline while the method runs: it may block for as long as
	// a stop with wait=true takes.
	_ = rc.SetReadDeadline(time.Time{})

	bufp := responseBuffers.Get().(*[]byte)
	defer responseBuffers.Put(bufp)
	body := h.call(r, method, params, (*bufp)[:0])
	*bufp = body

	_ = rc.SetWriteDeadline(time.Now().Add(h.writeTimeout))
	hdr := w.Header()
	hdr.Set("Content-Type", "text/xml")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func (h *rpcHandler) call(r *http.Request, method string, params []any, dst []byte) []byte {
	if h.rpc == nil {
		return xmlrpc.AppendFault(dst, xmlrpc.FaultOf(errdefs.New(errdefs.UnknownMethod, "")))
	}
	v, err := h.rpc.Call(r.Context(), method, params)
	if err != nil {
		return xmlrpc.AppendFault(dst, xmlrpc.FaultOf(err))
	}
	body, err := xmlrpc.AppendResponse(dst, v)
	if err != nil {
		// Supervisor answers HTTP 500 here; a fault tells the client more.
		h.logger.Error("cannot encode XML-RPC response", "method", method, "error", err)
		return xmlrpc.AppendFault(body[:0], xmlrpc.FaultOf(errors.New(err.Error())))
	}
	return body
}
