package statusui_test

import (
	"net/http"

	"github.com/supvisors-go/supvisors/internal/supervisor"
	"github.com/supvisors-go/supvisors/internal/web/statusui"
)

// The HTTP server mounts one handler on every path of the UI, behind the
// same authentication as /RPC2.
func ExampleNew() {
	var engine *supervisor.Supervisor // from supervisor.New
	ui := statusui.New(engine, statusui.Options{Version: "4.2.5"})
	mux := http.NewServeMux()
	for _, pattern := range []string{"/{$}", "/index.html", "/tail.html", "/ok.html", "/stylesheets/", "/images/"} {
		mux.Handle(pattern, ui)
	}
	_ = mux
}
