package server

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
)

// requireAuth puts Supervisor's Basic auth in front of next when username
// is set. password may be "{SHA}" and the hex SHA-1 of the password.
func requireAuth(username, password string, next http.Handler, logger *slog.Logger) http.Handler {
	if username == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, cookie, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok {
			unauthorized(w)
			return
		}
		if !strings.EqualFold(scheme, "basic") {
			logger.Debug("unsupported HTTP auth scheme", "scheme", scheme)
			unauthorized(w)
			return
		}
		decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cookie))
		if err != nil {
			logger.Debug("malformed HTTP authorization", "value", cookie)
			writeError(w, http.StatusBadRequest)
			return
		}
		user, pass, ok := strings.Cut(string(decoded), ":")
		if !ok || !credentialsMatch(username, password, user, pass) {
			unauthorized(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func credentialsMatch(wantUser, wantPass, user, pass string) bool {
	userOK := subtle.ConstantTimeCompare([]byte(wantUser), []byte(user)) == 1
	if hash, isSHA := strings.CutPrefix(wantPass, "{SHA}"); isSHA {
		sum := sha1.Sum([]byte(pass))
		pass, wantPass = hex.EncodeToString(sum[:]), hash
	}
	return userOK && subtle.ConstantTimeCompare([]byte(wantPass), []byte(pass)) == 1
}

func unauthorized(w http.ResponseWriter) {
	h := w.Header()
	h.Set("WWW-Authenticate", `Basic realm="default"`)
	h.Set("Connection", "close")
	writeError(w, http.StatusUnauthorized)
}
