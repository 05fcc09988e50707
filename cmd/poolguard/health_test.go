package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealth(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte("ok\n"))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	if code, out, errOut := runCmd(t, "health", "--admin", addr); code != 0 || out != "ok\n" {
		t.Errorf("healthy: exit %d, %q %q", code, out, errOut)
	}
	status = http.StatusServiceUnavailable
	if code, _, errOut := runCmd(t, "health", "--admin", addr); code != 1 || !strings.Contains(errOut, "503") {
		t.Errorf("unhealthy: exit %d, %q", code, errOut)
	}
	srv.Close()
	if code, _, _ := runCmd(t, "health", "--admin", addr); code != 1 {
		t.Errorf("nothing listening: exit %d", code)
	}
}
