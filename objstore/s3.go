package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func init() {
	Register("s3", func(ctx context.Context, u *url.URL) (Store, error) { return OpenS3(ctx, u) })
}

// multipartThreshold is the object size above which Put uploads in parts.
// Below it a single PUT keeps the write atomic and cheap; Apiary's cells are
// far smaller, so this only matters for bulk imports.
const multipartThreshold = 64 << 20

// S3 is a Store on an S3-compatible bucket (AWS S3, MinIO…), optionally under
// a key prefix, through minio-go.
//
// PutIfAbsent sends If-None-Match: * and relies on the server to serialise
// concurrent creates of one key (AWS since 2024-08; MinIO since
// RELEASE.2024-05-07, recommended ≥ RELEASE.2025-09-07).
type S3 struct {
	client    *minio.Client
	transport *http.Transport
	bucket    string
	prefix    string // "" or ends in "/"; prepended to every key
	url       string // credentials removed
}

var _ Store = (*S3)(nil)

// OpenS3 opens the store named by an s3:// URL:
//
//	s3://bucket/optional/prefix?endpoint=host:port&secure=false&region=us-east-1&create_bucket=true
//
// Credentials come from the URL's user info, else from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; with neither, requests are
// anonymous. Without endpoint, AWS (s3.amazonaws.com over TLS) is used.
// The bucket must exist unless create_bucket=true.
func OpenS3(ctx context.Context, u *url.URL) (*S3, error) {
	redacted := *u
	redacted.User = nil
	name := redacted.String()
	if u.Host == "" {
		return nil, fmt.Errorf("objstore: s3 URL %q names no bucket", name)
	}
	q := u.Query()
	endpoint := q.Get("endpoint")
	secure := true
	if endpoint == "" {
		endpoint = "s3.amazonaws.com"
	}
	if v := q.Get("secure"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("objstore: s3 URL %q: secure=%q is not a boolean", name, v)
		}
		secure = b
	}
	createBucket := false
	if v := q.Get("create_bucket"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("objstore: s3 URL %q: create_bucket=%q is not a boolean", name, v)
		}
		createBucket = b
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix != "" {
		if err := ValidateKey(prefix); err != nil {
			return nil, fmt.Errorf("objstore: s3 URL %q: bad prefix: %w", name, err)
		}
		prefix += "/"
	}

	var creds *credentials.Credentials
	if u.User != nil {
		secret, _ := u.User.Password()
		creds = credentials.NewStaticV4(u.User.Username(), secret, "")
	} else {
		creds = credentials.NewStaticV4(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))
	}
	// Our own transport so Close can drop the idle connections.
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("objstore: s3 open %s: %w", name, err)
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:     creds,
		Secure:    secure,
		Region:    q.Get("region"),
		Transport: tr,
	})
	if err != nil {
		return nil, fmt.Errorf("objstore: s3 open %s: %w", name, err)
	}
	s := &S3{client: client, transport: tr, bucket: u.Host, prefix: prefix, url: name}

	// Checking the bucket up front turns a typo into an error at Open rather
	// than "object does not exist" on every read, which the ledger would take
	// for an empty table.
	exists, err := client.BucketExists(ctx, s.bucket)
	if err != nil {
		return nil, s.err(ctx, "open", "", err)
	}
	if !exists {
		if !createBucket {
			return nil, fmt.Errorf("objstore: s3 open %s: bucket %q does not exist (add create_bucket=true to create it)", name, s.bucket)
		}
		if err := client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: q.Get("region")}); err != nil {
			resp := minio.ErrorResponse{}
			if !errors.As(err, &resp) || (resp.Code != "BucketAlreadyOwnedByYou" && resp.Code != "BucketAlreadyExists") {
				return nil, s.err(ctx, "create bucket", "", err)
			}
		}
	}
	return s, nil
}

// URL implements Store.
func (s *S3) URL() string { return s.url }

// Close implements Store.
func (s *S3) Close() error {
	s.transport.CloseIdleConnections()
	return nil
}

// err maps a minio-go error onto the Store error contract.
func (s *S3) err(ctx context.Context, op, key string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return fmt.Errorf("objstore: s3 %s %s: %w", op, key, err)
	}
	resp := minio.ErrorResponse{}
	if !errors.As(err, &resp) || resp.StatusCode == 0 {
		// No HTTP answer: connection refused or reset, timeout, DNS. minio-go
		// has already retried; the request may or may not have executed.
		var netErr net.Error
		if errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return fmt.Errorf("objstore: s3 %s %s: %w: %w", op, key, ErrTransient, err)
		}
		return fmt.Errorf("objstore: s3 %s %s: %w", op, key, err)
	}
	switch {
	case resp.Code == "NoSuchBucket":
		// A vanished bucket is a configuration error, never "no object".
		return fmt.Errorf("objstore: s3 %s %s: bucket %q: %w", op, key, s.bucket, err)
	case resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("objstore: s3 %s %s: %w", op, key, ErrNotExist)
	case resp.StatusCode == http.StatusPreconditionFailed || resp.StatusCode == http.StatusNotModified:
		// 304 is what some servers (and MinIO before 2024-04) answer to a
		// failed If-None-Match.
		return fmt.Errorf("objstore: s3 %s %s: %w", op, key, ErrExist)
	case resp.StatusCode == http.StatusConflict,
		resp.StatusCode == http.StatusRequestTimeout,
		resp.StatusCode == http.StatusTooManyRequests,
		resp.StatusCode >= 500,
		resp.Code == "SlowDown", resp.Code == "RequestTimeout", resp.Code == "InternalError":
		// 409 ConditionalRequestConflict: a concurrent operation on the key
		// won; retrying the same request is the documented answer.
		return fmt.Errorf("objstore: s3 %s %s: %w: %w", op, key, ErrTransient, err)
	default:
		return fmt.Errorf("objstore: s3 %s %s: %w", op, key, err)
	}
}

func (s *S3) objectName(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name, err := s.objectName(key)
	if err != nil {
		return nil, err
	}
	return s.read(ctx, "get", key, name, minio.GetObjectOptions{})
}

func (s *S3) read(ctx context.Context, op, key, name string, opts minio.GetObjectOptions) ([]byte, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, name, opts)
	if err != nil {
		return nil, s.err(ctx, op, key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		return nil, s.err(ctx, op, key, err)
	}
	return data, nil
}

// GetRange implements Store.
func (s *S3) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if offset < 0 || length < 0 {
		return nil, fmt.Errorf("objstore: s3 get range %s: negative offset or length", key)
	}
	name, err := s.objectName(key)
	if err != nil {
		return nil, err
	}
	if length == 0 {
		// HTTP cannot express an empty range; only existence is in question.
		if _, err := s.Stat(ctx, key); err != nil {
			return nil, err
		}
		return []byte{}, nil
	}
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(offset, offset+length-1); err != nil {
		return nil, fmt.Errorf("objstore: s3 get range %s: %w", key, err)
	}
	data, err := s.read(ctx, "get range", key, name, opts)
	if err != nil {
		resp := minio.ErrorResponse{}
		if errors.As(err, &resp) && resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
			// 416: the offset is at or past the end. The contract wants an
			// empty result for an existing object and ErrNotExist otherwise.
			if _, serr := s.Stat(ctx, key); serr != nil {
				return nil, serr
			}
			return []byte{}, nil
		}
		return nil, err
	}
	return data, nil
}

// Stat implements Store.
func (s *S3) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	name, err := s.objectName(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return ObjectInfo{}, s.err(ctx, "stat", key, err)
	}
	return ObjectInfo{Key: key, Size: oi.Size, Modified: oi.LastModified}, nil
}

// Put implements Store. A single PUT replaces the object atomically on S3.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name, err := s.objectName(key)
	if err != nil {
		return err
	}
	opts := minio.PutObjectOptions{DisableMultipart: len(data) <= multipartThreshold}
	if _, err := s.client.PutObject(ctx, s.bucket, name, bytes.NewReader(data), int64(len(data)), opts); err != nil {
		return s.err(ctx, "put", key, err)
	}
	return nil
}

// PutIfAbsent implements Store with If-None-Match: *, answered by 412 when the
// key exists.
//
// minio-go retries failed requests internally (network errors, 5xx), so a
// create that reached the server but whose response was lost is sent again
// and then fails with 412 against our own object: ErrExist does not prove
// someone else won. Callers that need to know (the ledger commit) read the
// object back and look for their own transaction id, which they must do after
// ErrTransient anyway.
//
// Multipart is never used: a single PUT is what the precondition is checked
// against atomically, and leaves no half-uploaded parts behind.
func (s *S3) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name, err := s.objectName(key)
	if err != nil {
		return err
	}
	opts := minio.PutObjectOptions{DisableMultipart: true}
	opts.SetMatchETagExcept("*")
	if _, err := s.client.PutObject(ctx, s.bucket, name, bytes.NewReader(data), int64(len(data)), opts); err != nil {
		return s.err(ctx, "put if absent", key, err)
	}
	return nil
}

// Delete implements Store. S3 answers 204 for a missing key too.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name, err := s.objectName(key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		err = s.err(ctx, "delete", key, err)
		if errors.Is(err, ErrNotExist) {
			return nil
		}
		return err
	}
	return nil
}

// List implements Store. S3 lists in UTF-8 byte order already; the sort only
// guards against S3-compatible servers that don't.
func (s *S3) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Stop minio-go's lister goroutine if we return early on an error.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []ObjectInfo
	for oi := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
		if oi.Err != nil {
			return nil, s.err(ctx, "list", prefix, oi.Err)
		}
		key, ok := strings.CutPrefix(oi.Key, s.prefix)
		if !ok || ValidateKey(key) != nil {
			continue // folder markers and keys written by other tools
		}
		out = append(out, ObjectInfo{Key: key, Size: oi.Size, Modified: oi.LastModified})
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("objstore: s3 list %s: %w", prefix, err)
	}
	if !slices.IsSortedFunc(out, func(a, b ObjectInfo) int { return strings.Compare(a.Key, b.Key) }) {
		slices.SortFunc(out, func(a, b ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	}
	return out, nil
}
