package statusui

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/logs"
)

// minTailBytes is the least the tail page shows: a smaller limit is
// raised to it, as in Supervisor.
const minTailBytes = 1024

// tailPage is the data of the tail template.
type tailPage struct {
	Namespec string
	Body     string
	// RefreshHref is empty when there is no process to refresh.
	RefreshHref string
}

// tailLimit is the number of bytes to show: the limit parameter when it
// is a plain decimal number, never less than minTailBytes.
func tailLimit(raw string, present bool) int64 {
	if !present || !allDigits(raw) {
		return minTailBytes
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		n = math.MaxInt64 // only digits, so the number is too big
	}
	return max(n, minTailBytes)
}

// serveTail renders the end of a process's stdout log.
func (h *handler) serveTail(w http.ResponseWriter, _ *http.Request, f form) {
	namespec, ok := f.get("processname")
	if !ok {
		// Supervisor prints Python's None for the missing name.
		h.render(w, "tail.html", tailPage{Namespec: "None", Body: "No process name found"})
		return
	}
	raw, present := f.get("limit")
	limit := tailLimit(raw, present)
	h.render(w, "tail.html", tailPage{
		Namespec:    namespec,
		Body:        h.readTail(namespec, limit),
		RefreshHref: "tail.html?processname=" + quote(namespec) + "&limit=" + strconv.FormatInt(limit, 10),
	})
}

// readTail returns the last limit bytes of the stdout log of namespec, or
// the message Supervisor shows instead.
func (h *handler) readTail(namespec string, limit int64) string {
	noFile := "No file for " + namespec
	path, err := h.engine.ProcessLogPath(namespec, "stdout")
	if err == nil && path == "" {
		return noFile
	}
	var data []byte
	if err == nil {
		data, err = logs.ReadFile(path, -limit, 0)
	}
	if err != nil {
		if errdefs.Is(err, errdefs.NoFile) {
			return noFile
		}
		return "ERROR: " + unexpectedFault(err)
	}
	// Supervisor fails with a 500 when the slice is not valid UTF-8 (a
	// character cut at the start, or binary output); show it instead.
	return strings.ToValidUTF8(string(data), "\uFFFD")
}
