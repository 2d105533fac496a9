// Package statusui serves Supervisor's built-in web interface: the status
// page (/ and /index.html) with its per-process and global actions, the
// tail page (/tail.html), the health check (/ok.html) and the static assets
// under /stylesheets/ and /images/.
//
// The URLs, query parameters, action names, redirect messages, CSS class
// names and table columns are those of Supervisor 4.2.5, because users,
// bookmarks and scripts depend on them; the markup, style sheet and images
// are our own. The package talks to the engine only through the Engine
// interface, whose methods are those of *supervisor.Supervisor.
package statusui
