package s3deliver

import (
	"context"
	"errors"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3Options configures an S3 uploader.
type S3Options struct {
	// Bucket receives the files; Region is its region.
	Bucket, Region string
	// Endpoint replaces S3's (e.g. an emulator in tests); it turns on
	// path-style addressing.
	Endpoint string
	// Credentials override the default chain (environment, shared files,
	// instance or task role) when set.
	Credentials aws.CredentialsProvider
	// MaxAttempts bounds the SDK's own retries of one upload (default 3);
	// the Deliverer retries failed uploads itself.
	MaxAttempts int
}

// S3 uploads files with PutObject. It is safe for concurrent use.
type S3 struct {
	client *s3.Client
	bucket string
}

// NewS3 returns an uploader to the bucket, with credentials from the
// default chain unless given.
func NewS3(ctx context.Context, o S3Options) (*S3, error) {
	if o.Bucket == "" {
		return nil, errors.New("s3deliver: no bucket")
	}
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(o.Region)}
	if o.Credentials != nil {
		opts = append(opts, awsconfig.WithCredentialsProvider(o.Credentials))
	}
	if o.MaxAttempts > 0 {
		opts = append(opts, awsconfig.WithRetryMaxAttempts(o.MaxAttempts))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
			so.UsePathStyle = true
		}
	})
	return &S3{client: client, bucket: o.Bucket}, nil
}

// Put stores body (size bytes) under key.
func (u *S3) Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	_, err := u.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(u.bucket), Key: aws.String(key), Body: body,
		ContentLength: aws.Int64(size), ContentType: aws.String("application/x-gzip"),
	})
	return err
}
