package proxy

import "net/http"

// HostedUIHandler returns the handler for the Hosted UI listener: it serves
// each request with the current State's Hosted UI handler, so reloads
// apply there too.
func (h *Handler) HostedUIHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hu := h.live.Load().state.HostedUI
		if hu == nil {
			http.Error(w, "Hosted UI is not configured\n", http.StatusNotFound)
			return
		}
		hu.ServeHTTP(w, r)
	})
}
