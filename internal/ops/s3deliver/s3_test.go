package s3deliver

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/poolguard/poolguard/internal/ops/waflog"
	"github.com/poolguard/poolguard/internal/testkit/cognitotest"
)

const bucket = "aws-waf-logs-poolguard-test"

var testCreds = credentials.NewStaticCredentialsProvider("AKIDTEST", "test-secret", "")

// awsKey is AWS WAF's S3 key layout, as AWS documents it.
var awsKey = regexp.MustCompile(`^logs/AWSLogs/111122223333/WAFLogs/eu-west-1/poolguard/(\d{4})/(\d{2})/(\d{2})/(\d{2})/(\d{2})/111122223333_waflogs_eu-west-1_poolguard_(\d{8}T\d{4}Z)_[0-9a-f]{8}\.log\.gz$`)

func uploader(t *testing.T, endpoint string) *S3 {
	t.Helper()
	u, err := NewS3(context.Background(), S3Options{Bucket: bucket, Region: "us-east-1", Endpoint: endpoint, Credentials: testCreds, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// deadEndpoint returns the URL of a port nobody listens on.
func deadEndpoint(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// TestS3Moto delivers against moto_server's S3: while S3 is unreachable
// the records stay spooled (across a restart, too); once it answers, the
// objects land under AWS WAF's key layout and hold exactly the records
// of the local WAF log.
func TestS3Moto(t *testing.T) {
	m := cognitotest.StartMoto(t)
	ctx := context.Background()
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(m.URL), UsePathStyle: true, Credentials: testCreds})
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}

	// The local log, fed the same Outcomes.
	dir := t.TempDir()
	localPath := filepath.Join(dir, "waf.log")
	local, err := waflog.New(waflog.Options{Destination: localPath, Region: layout.Region, Account: layout.Account})
	if err != nil {
		t.Fatal(err)
	}
	spool := filepath.Join(dir, "spool")
	observe := func(d *Deliverer, from, to int) {
		for i := from; i < to; i++ {
			o := outcome(i * 7) // 15:03:00 .. spread over several 5-minute folders
			d.Observe(o)
			local.Observe(o)
		}
	}

	// S3 unreachable: uploads fail, nothing is lost, shutdown keeps the spool.
	d := newDeliverer(t, spool, uploader(t, deadEndpoint(t)), nil)
	observe(d, 0, 60)
	if err := d.Flush(ctx); err == nil {
		t.Fatal("upload to a dead port succeeded")
	}
	observe(d, 60, 100)
	if err := d.Close(ctx); err == nil {
		t.Fatal("close with S3 unreachable reported no error")
	}
	if d.Failed() < 2 || d.Dropped() != 0 {
		t.Fatalf("failed %d, dropped %d", d.Failed(), d.Dropped())
	}

	// S3 back: the restarted deliverer uploads the spool and new records.
	d = newDeliverer(t, spool, uploader(t, m.URL), nil)
	observe(d, 100, 150)
	if err := d.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := local.Close(); err != nil {
		t.Fatal(err)
	}

	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	folders := map[string]bool{}
	for _, obj := range list.Contents {
		key := aws.ToString(obj.Key)
		mm := awsKey.FindStringSubmatch(key)
		if mm == nil {
			t.Errorf("key %s is not in AWS WAF's layout", key)
			continue
		}
		if stamp := mm[1] + mm[2] + mm[3] + "T" + mm[4] + mm[5] + "Z"; stamp != mm[6] || mm[5][1] != '0' && mm[5][1] != '5' {
			t.Errorf("key %s: folder and file time disagree or are not on 5 minutes", key)
		}
		folders[strings.Join(mm[1:6], "/")] = true
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: obj.Key})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(out.Body)
		out.Body.Close()
		got.WriteString(gunzip(t, b))
	}
	want, err := os.ReadFile(localPath)
	if err != nil {
		t.Fatal(err)
	}
	if sortLines(got.String()) != sortLines(string(want)) {
		t.Errorf("S3 holds %d bytes of records, the local log %d: they differ", got.Len(), len(want))
	}
	if n := strings.Count(got.String(), "\n"); n != 150 {
		t.Errorf("%d records in S3, want 150", n)
	}
	if len(folders) != 5 { // 15:03:00 .. 15:20:23
		t.Errorf("records of 15:03 .. 15:20 landed in %d minute folders: %v", len(folders), slices.Sorted(mapKeys(folders)))
	}
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
