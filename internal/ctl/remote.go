package ctl

import (
	"context"
)

// CallAt invokes method on another daemon, at serverURL (an http:// or
// unix:// URL as -s takes it), with the credentials of the current
// connection. The call has a connection of its own, closed once it is
// answered: plugins that reach each member of a cluster in turn (such as
// Supvisors' all_start) hold no connection to any of them afterwards.
func (c *Controller) CallAt(ctx context.Context, serverURL, method string, params ...any) (any, error) {
	cl, err := c.newClient(serverURL)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	return cl.Call(ctx, method, params...)
}
