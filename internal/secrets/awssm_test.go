package secrets

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// fakeSM is an in-memory Secrets Manager.
type fakeSM struct {
	mu      sync.Mutex
	strings map[string]string
	fail    error
	calls   int
}

func (f *fakeSM) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		return nil, f.fail
	}
	s, ok := f.strings[*in.SecretId]
	if !ok {
		return nil, errors.New("ResourceNotFoundException: Secrets Manager can't find the specified secret")
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(s)}, nil
}

func (f *fakeSM) set(id, s string, fail error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.strings[id], f.fail = s, fail
}

func TestParseAWS(t *testing.T) {
	tests := []struct{ ref, id, key, err string }{
		{"aws-secretsmanager:app", "app", "", ""},
		{"aws-secretsmanager:prod/app#client-secret", "prod/app", "client-secret", ""},
		{"aws-secretsmanager:arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCd#k", "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCd", "k", ""},
		{"aws-secretsmanager:", "", "", "needs a secret id"},
		{"aws-secretsmanager:#k", "", "", "needs a secret id"},
		{"aws-secretsmanager:app#", "", "", "needs a JSON key"},
		{"env:X", "", "", "not an"},
	}
	for _, tt := range tests {
		id, key, err := ParseAWS(tt.ref)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseAWS(%q) err %v, want %q", tt.ref, err, tt.err)
			}
			continue
		}
		if err != nil || id != tt.id || key != tt.key {
			t.Errorf("ParseAWS(%q) = %q %q %v", tt.ref, id, key, err)
		}
	}
}

func TestAWSValue(t *testing.T) {
	sm := &fakeSM{strings: map[string]string{
		"plain": " s3cret-plain\n", "json": `{"client-secret":"s3cret-json","other":1}`,
		"notjson": "s3cret-notjson", "numkey": `{"client-secret":12345}`, "empty": "  ",
	}}
	a := NewAWS(sm, slog.New(slog.DiscardHandler))
	for ref, want := range map[string]string{"aws-secretsmanager:plain": "s3cret-plain", "aws-secretsmanager:json#client-secret": "s3cret-json"} {
		v, err := a.Value(context.Background(), ref)
		if err != nil || string(v.Bytes()) != want {
			t.Errorf("%s: %q %v", ref, v.Bytes(), err)
		}
	}
	for ref, want := range map[string]string{
		"aws-secretsmanager:json#missing":         `has no key "missing"`,
		"aws-secretsmanager:notjson#k":            "not a JSON object",
		"aws-secretsmanager:numkey#client-secret": "is not a string",
		"aws-secretsmanager:empty":                "secret is empty",
		"aws-secretsmanager:absent":               "ResourceNotFoundException",
	} {
		_, err := a.Value(context.Background(), ref)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), strings.TrimPrefix(ref, AWSPrefix)) {
			t.Errorf("%s: err %v, want %q naming the reference", ref, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: error %q shows a secret", ref, err)
		}
	}
	v1, _ := a.Value(context.Background(), "aws-secretsmanager:plain")
	v2, _ := a.Value(context.Background(), "aws-secretsmanager:plain")
	if v1 != v2 {
		t.Error("the same reference gave two Values")
	}
}

func TestAWSRefreshRotatesAndKeepsLastGood(t *testing.T) {
	sm := &fakeSM{strings: map[string]string{"app": `{"client-secret":"first-s3cret"}`}}
	var logs bytes.Buffer
	a := NewAWS(sm, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()
	v, err := a.Value(ctx, "aws-secretsmanager:app#client-secret")
	if err != nil {
		t.Fatal(err)
	}
	sm.set("app", `{"client-secret":"second-s3cret"}`, nil)
	if err := a.Refresh(ctx); err != nil || string(v.Bytes()) != "second-s3cret" {
		t.Fatalf("after rotation %q %v", v.Bytes(), err)
	}
	sm.set("app", `{"client-secret":"third-s3cret"}`, errors.New("throttled"))
	if err := a.Refresh(ctx); err == nil || string(v.Bytes()) != "second-s3cret" || a.RefreshFailures() != 1 {
		t.Fatalf("failed refresh: %q %v failures %d", v.Bytes(), err, a.RefreshFailures())
	}
	sm.set("app", `not json at all: s3cret`, nil)
	if err := a.Refresh(ctx); err == nil || string(v.Bytes()) != "second-s3cret" || a.RefreshFailures() != 2 {
		t.Fatalf("bad JSON refresh: %q %v", v.Bytes(), err)
	}
	if !strings.Contains(logs.String(), "secret refresh failed") || !strings.Contains(logs.String(), "secret rotated") {
		t.Fatalf("logs: %s", logs.String())
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Fatalf("a secret was logged: %s", logs.String())
	}
}

func TestAWSSourcesShareStoresAndCount(t *testing.T) {
	sm := &fakeSM{strings: map[string]string{"a": "one", "b": "two"}}
	made := 0
	src := NewAWSSourcesWith(slog.New(slog.DiscardHandler), func(context.Context, AWSOptions) (GetSecretValueAPI, error) {
		made++
		return sm, nil
	})
	ctx := context.Background()
	at := AWSOptions{Region: "us-east-1"}
	va, _ := src.Value(ctx, at, "aws-secretsmanager:a")
	vb, _ := src.Value(ctx, at, "aws-secretsmanager:b")
	if made != 1 || string(va.Bytes()) != "one" || string(vb.Bytes()) != "two" {
		t.Fatalf("made %d clients; %q %q", made, va.Bytes(), vb.Bytes())
	}
	if _, err := src.Value(ctx, AWSOptions{Region: "eu-west-1"}, "aws-secretsmanager:a"); err != nil || made != 2 {
		t.Fatalf("second location: %v, made %d", err, made)
	}
	sm.set("a", "one-b", errors.New("down"))
	if err := src.Refresh(ctx); err == nil || src.RefreshFailures() != 3 || string(va.Bytes()) != "one" {
		t.Fatalf("refresh err %v failures %d value %q", err, src.RefreshFailures(), va.Bytes())
	}
}

func TestResolveRefusesAWSReferences(t *testing.T) {
	_, err := Resolve("aws-secretsmanager:app#k")
	if err == nil || !strings.Contains(err.Error(), "AWS Secrets Manager secret app#k") {
		t.Fatalf("Resolve of an AWS reference: %v", err)
	}
}
