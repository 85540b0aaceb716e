// Command dbrotate is the Secrets Manager rotation function of the
// MedBookings database users (Lambda, provided.al2023, arm64, handler
// bootstrap), in place of AWS's hosted rotation functions: the logic is
// functions/rotation, this wires it to Secrets Manager (aws-sdk-go-v2).
//
// Secrets Manager invokes it with {"SecretId", "ClientRequestToken",
// "Step"} (newer events add "RotationToken", which is ignored). The
// secret's content chooses the strategy: with masterarn, the multi-user
// rotation (application user and its clone, passwords set by the master
// user); without, the single-user one.
//
// Environment (all optional):
//
//   - EXCLUDE_CHARACTERS: characters new passwords must not contain
//     (default `:/@"'\`, as AWS's functions). When it excludes every
//     punctuation character, GetRandomPassword is also asked for no
//     punctuation (letters and digits only);
//   - PASSWORD_LENGTH: the length of new passwords (default 30);
//   - ROTATION_STRATEGY: "single-user" or "multi-user" makes the function
//     refuse secrets of the other strategy;
//   - SECRETS_MANAGER_ENDPOINT: a Secrets Manager endpoint URL (as AWS's
//     functions accept), e.g. of a VPC endpoint with private DNS off.
//
// Database connections use TLS verified against the RDS certificate
// authorities of eu-west-1 (functions/rdsca) and the secret's host name.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/rdsca"
	"github.com/sheigoldberg/medbookings/infrastructure/functions/rotation"
)

// event is what Secrets Manager sends.
type event struct {
	SecretID           string `json:"SecretId"`
	ClientRequestToken string `json:"ClientRequestToken"`
	Step               string `json:"Step"`
	// RotationToken is in newer events (for cross-account rotation);
	// unused.
	RotationToken string `json:"RotationToken,omitempty"`
}

// rotator is what the handler needs of rotation.Rotator.
type rotator interface {
	Rotate(ctx context.Context, secretID, token string, step rotation.Step) error
}

type handler struct{ r rotator }

func (h *handler) handle(ctx context.Context, ev event) error {
	if ev.SecretID == "" || ev.ClientRequestToken == "" || ev.Step == "" {
		return errors.New("dbrotate: the event needs SecretId, ClientRequestToken and Step")
	}
	err := h.r.Rotate(ctx, ev.SecretID, ev.ClientRequestToken, rotation.Step(ev.Step))
	if err != nil {
		log.Printf("%s failed: %v", ev.Step, err)
	}
	return err
}

// smClient is the part of the Secrets Manager client the rotation uses.
type smClient interface {
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
	GetRandomPassword(ctx context.Context, in *secretsmanager.GetRandomPasswordInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error)
}

// secrets implements rotation.SecretsAPI with aws-sdk-go-v2.
type secrets struct{ c smClient }

var _ rotation.SecretsAPI = secrets{}

func (s secrets) DescribeSecret(ctx context.Context, id string) (rotation.Metadata, error) {
	out, err := s.c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if err != nil {
		return rotation.Metadata{}, err
	}
	return rotation.Metadata{RotationEnabled: out.RotationEnabled, VersionIDsToStages: out.VersionIdsToStages}, nil
}

func (s secrets) GetSecretValue(ctx context.Context, id, versionID, stage string) (string, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	if stage != "" {
		in.VersionStage = aws.String(stage)
	}
	out, err := s.c.GetSecretValue(ctx, in)
	if err != nil {
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return "", fmt.Errorf("%w: %w", rotation.ErrNotFound, err)
		}
		return "", err
	}
	if out.SecretString == nil {
		return "", fmt.Errorf("secret %s has a binary value, not a string", id)
	}
	return *out.SecretString, nil
}

func (s secrets) PutSecretValue(ctx context.Context, id, token, value string, stages []string) error {
	_, err := s.c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(id), ClientRequestToken: aws.String(token),
		SecretString: aws.String(value), VersionStages: stages,
	})
	return err
}

func (s secrets) UpdateSecretVersionStage(ctx context.Context, id, stage, moveTo, removeFrom string) error {
	in := &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(id), VersionStage: aws.String(stage), MoveToVersionId: aws.String(moveTo),
	}
	if removeFrom != "" {
		in.RemoveFromVersionId = aws.String(removeFrom)
	}
	_, err := s.c.UpdateSecretVersionStage(ctx, in)
	return err
}

// punctuation is what GetRandomPassword counts as punctuation.
const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

func (s secrets) GetRandomPassword(ctx context.Context, length int, exclude string) (string, error) {
	in := &secretsmanager.GetRandomPasswordInput{
		PasswordLength:          aws.Int64(int64(length)),
		RequireEachIncludedType: aws.Bool(true),
	}
	if exclude != "" {
		in.ExcludeCharacters = aws.String(exclude)
	}
	// Each included type is required: with every punctuation character
	// excluded, punctuation must not be an included type.
	if allIn(punctuation, exclude) {
		in.ExcludePunctuation = aws.Bool(true)
	}
	out, err := s.c.GetRandomPassword(ctx, in)
	if err != nil {
		return "", err
	}
	if out.RandomPassword == nil {
		return "", errors.New("GetRandomPassword returned no password")
	}
	return *out.RandomPassword, nil
}

// allIn reports whether every character of chars is in set.
func allIn(chars, set string) bool {
	for _, c := range chars {
		if !strings.ContainsRune(set, c) {
			return false
		}
	}
	return true
}

// newRotator builds the rotator from the environment.
func newRotator(c smClient, lookup func(string) (string, bool)) (*rotation.Rotator, error) {
	settings, err := rotation.SettingsFromEnv(lookup)
	if err != nil {
		return nil, err
	}
	return &rotation.Rotator{
		Secrets:  secrets{c: c},
		Roots:    rdsca.Pool(),
		Settings: settings,
		Logf:     log.Printf,
	}, nil
}

func main() {
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("AWS configuration: %v", err)
	}
	sm := secretsmanager.NewFromConfig(awsCfg, func(o *secretsmanager.Options) {
		if ep := os.Getenv("SECRETS_MANAGER_ENDPOINT"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
	r, err := newRotator(sm, os.LookupEnv)
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start((&handler{r: r}).handle)
}
