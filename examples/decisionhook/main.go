// Command decisionhook is a minimal poolguard decision hook: it blocks
// SignUp from addresses in a deny list, labels calls without a User-Agent,
// and allows the rest. Run it next to the proxy and set
// decision_hook.url: http://127.0.0.1:9001/decide.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"slices"
)

var denied = []string{"203.0.113.7"}

func main() {
	http.HandleFunc("POST /decide", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Operation string            `json:"operation"`
			ClientIP  string            `json:"client_ip"`
			Headers   map[string]string `json:"headers"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest) // poolguard applies on_error
			return
		}
		answer := map[string]any{"action": "allow"}
		switch {
		case req.Operation == "SignUp" && slices.Contains(denied, req.ClientIP):
			answer = map[string]any{"action": "block", "status": 400,
				"error_type": "NotAuthorizedException", "message": "Sign-up is not available.", "labels": []string{"ip:denied"}}
		case req.Headers["user-agent"] == "":
			answer = map[string]any{"action": "count", "labels": []string{"bot:no-user-agent"}}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:9001", nil))
}
