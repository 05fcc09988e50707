package cognitotest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

func TestStartMotoResetAndStop(t *testing.T) {
	m := StartMoto(t)
	resp, err := http.Get(m.URL + "/moto-api/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	admin := m.Client()
	pool := CreatePool(t, admin, PoolOptions{})
	if err := m.Reset(); err != nil {
		t.Fatal(err)
	}
	_, err = admin.DescribeUserPool(context.Background(), &cip.DescribeUserPoolInput{UserPoolId: aws.String(pool.ID)})
	if err == nil {
		t.Fatal("pool survived Reset")
	}

	pid := m.PID()
	m.kill()
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process group %d still there after kill: %v", pid, err)
	}
}

// recordingTB records Skip and Fatal instead of acting on them.
type recordingTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestStartMotoWithoutBinary(t *testing.T) {
	tests := []struct {
		require              string
		wantSkip, wantFailed bool
	}{
		{"", true, false},
		{"1", false, true},
	}
	for _, tt := range tests {
		t.Run("require="+tt.require, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv(RequireMotoEnv, tt.require)
			rec := &recordingTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				StartMoto(rec)
			}()
			<-done
			if (rec.skipped != "") != tt.wantSkip || (rec.failed != "") != tt.wantFailed {
				t.Fatalf("skipped %q, failed %q", rec.skipped, rec.failed)
			}
		})
	}
}
