package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// secretsAPI is the part of the Secrets Manager client that the wrapper uses.
type secretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// fetchAll reads every secret at once (one request each, concurrently) and
// returns their strings by ARN, with one error per secret that failed. The
// errors never hold a secret value.
func fetchAll(ctx context.Context, api secretsAPI, arns []string) (map[string]string, []error) {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		values = make(map[string]string, len(arns))
		errs   = make([]error, len(arns))
	)
	for i, id := range arns {
		wg.Go(func() {
			s, err := fetch(ctx, api, id)
			if err != nil {
				errs[i] = err
				return
			}
			mu.Lock()
			values[id] = s
			mu.Unlock()
		})
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	return values, failed
}

func fetch(ctx context.Context, api secretsAPI, id string) (string, error) {
	var opts []func(*secretsmanager.Options)
	// A secret in another region than the function's is read there.
	if a, err := arn.Parse(id); err == nil && a.Region != "" {
		opts = append(opts, func(o *secretsmanager.Options) { o.Region = a.Region })
	}
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)}, opts...)
	if err != nil {
		return "", fmt.Errorf("secret %s: %s", id, describe(ctx, err))
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("secret %s: has no SecretString (a binary secret?)", id)
	}
	return *out.SecretString, nil
}

// describe says why a request failed without quoting the response: a
// decoding error could include bytes of the secret.
func describe(ctx context.Context, err error) string {
	var apiErr smithy.APIError
	var decodeErr *smithy.DeserializationError
	switch {
	case ctx.Err() != nil:
		return "no answer within the timeout (" + ctx.Err().Error() + ")"
	case errors.As(err, &decodeErr):
		return "the response could not be decoded"
	case errors.As(err, &apiErr):
		return fmt.Sprintf("%s: %s", apiErr.ErrorCode(), apiErr.ErrorMessage())
	default:
		return err.Error()
	}
}
