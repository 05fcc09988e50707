package cognitotest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"testing"
)

func TestStubAnswers(t *testing.T) {
	s := NewStub()
	s.Answer("ForgotPassword", http.StatusBadRequest, []byte(`{"__type":"LimitExceededException","message":"Attempt limit exceeded"}`))
	tests := []struct {
		name, target string
		wantStatus   int
		wantBody     string // substring
		wantErrType  string
	}{
		{"sign-in", TargetPrefix + "InitiateAuth", 200, `"RefreshToken":"` + StubRefreshToken + `"`, ""},
		{"get tokens", TargetPrefix + "GetTokensFromRefreshToken", 200, `{"AuthenticationResult":{`, ""},
		{"sign-up", TargetPrefix + "SignUp", 200, `"UserConfirmed":false`, ""},
		{"unknown op", TargetPrefix + "DescribeUserPool", 200, `{}`, ""},
		{"other service", "AmazonSSM.GetParameter", 200, `{}`, ""},
		{"no target", "", 400, UnknownOperation, UnknownOperation + ":"},
		{"configured error", TargetPrefix + "ForgotPassword", 400, "LimitExceededException", "LimitExceededException:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"ClientId":"c"}`))
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("got %d %s", rec.Code, body)
			}
			if got := rec.Header().Get("X-Amzn-ErrorType"); got != tt.wantErrType {
				t.Errorf("x-amzn-ErrorType = %q, want %q", got, tt.wantErrType)
			}
			if rec.Header().Get("Content-Type") != ContentType || rec.Header().Get("Content-Length") == "" {
				t.Errorf("headers %v", rec.Header())
			}
		})
	}
}

func TestStubIDTokenNamesUser(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header.Set("X-Amz-Target", TargetPrefix+"InitiateAuth")
	NewStub().ServeHTTP(rec, req)
	var out struct{ AuthenticationResult struct{ IdToken string } }
	decode(t, rec.Body.Bytes(), &out)
	if got, err := cognitoUsername(out.AuthenticationResult.IdToken); err != nil || got != StubUsername {
		t.Fatalf("cognito:username = %q, %v", got, err)
	}
}

func TestStartStubKeepsConnectionsAlive(t *testing.T) {
	srv, err := StartStub("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	client := &http.Client{}
	reused := 0
	for i := range 3 {
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			if info.Reused {
				reused++
			}
		}}
		ctx := httptrace.WithClientTrace(context.Background(), trace)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/", bytes.NewReader([]byte(`{}`)))
		req.Header.Set("X-Amz-Target", TargetPrefix+"InitiateAuth")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
	}
	if reused != 2 {
		t.Fatalf("reused %d of 2 connections", reused)
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the stub alone.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func BenchmarkStubServeHTTP(b *testing.B) {
	s := NewStub()
	body := []byte(`{"ClientId":"c","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`)
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header.Set("X-Amz-Target", TargetPrefix+"InitiateAuth")
	w := &discardWriter{h: make(http.Header, 4)}
	rd := bytes.NewReader(body)
	req.Body = io.NopCloser(rd)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		s.ServeHTTP(w, req)
	}
}
