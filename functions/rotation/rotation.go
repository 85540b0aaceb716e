// Package rotation is the logic of the MedBookings Secrets Manager rotation
// function (functions/dbrotate): it rotates the passwords of the PostgreSQL
// users whose secrets the database construct keeps, in place of AWS's
// hosted rotation functions (SecretsManagerRDSPostgreSQLRotationSingleUser
// and ...MultiUser), which the AWS::SecretsManager transform creates in a
// nested stack whose IAM roles cannot be given a permissions boundary.
//
// Secrets Manager calls the function four times per rotation, with the same
// secret and ClientRequestToken (the id of the new version) and the steps
// createSecret, setSecret, testSecret and finishSecret, and may call any
// step again after a failure: every step is idempotent. Before any step the
// function checks, as AWS documents it, that rotation is enabled for the
// secret and that the token is a version of it staged AWSPENDING; a version
// that is already AWSCURRENT means the rotation is done, and the step does
// nothing.
//
// Two strategies, chosen by the secret's content (Settings.Strategy may
// insist on one):
//
//   - single-user (a secret without masterarn; the read-only user):
//     createSecret stores, as AWSPENDING, the current value with a new
//     password; setSecret does nothing if the pending password already logs
//     in, else logs in with the current (failing that, the previous)
//     password and sets the pending one on the user itself;
//   - multi-user (a secret with masterarn; the application user):
//     createSecret stores the current value with the user name switched
//     between <user> and its clone (roles.CloneName) and a new password;
//     setSecret does nothing if the pending secret logs in already, else
//     checks that the current secret logs in and, connected as the master
//     user (the secret masterarn names, an RDS-managed {username, password}
//     secret: host, port and database come from the user's secret), sets
//     the new password on the pending user. It never creates a role: the
//     database construct's custom resource (functions/roles.Ensure) creates
//     the clone with the grants and settings that make it act as the
//     application role; a missing or misconfigured clone fails the rotation.
//
// testSecret logs in with the pending secret and checks who it is (for the
// multi-user strategy, that the session runs as the application role even
// when it logs in as the clone); finishSecret moves AWSCURRENT to the new
// version (Secrets Manager then labels the old one AWSPREVIOUS).
//
// Passwords come from Secrets Manager's GetRandomPassword and reach the
// server only as SCRAM-SHA-256 verifiers (roles.ScramVerifier). Every
// connection uses TLS verified against the given certificate authorities
// and the host name (functions/dbconn). Logs and errors name the step, the
// secret, the version and user names, never a password or a secret value.
package rotation

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The staging labels of the rotation.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// Step is a step of the rotation, as Secrets Manager names it in the event.
type Step string

// The four steps, in the order Secrets Manager calls them.
const (
	StepCreate Step = "createSecret"
	StepSet    Step = "setSecret"
	StepTest   Step = "testSecret"
	StepFinish Step = "finishSecret"
)

// Steps are the four steps in order.
var Steps = []Step{StepCreate, StepSet, StepTest, StepFinish}

// ErrNotFound is what SecretsAPI.GetSecretValue returns (wrapped) when the
// secret has no value for the version or stage asked for (Secrets Manager's
// ResourceNotFoundException): a version that RotateSecret created has a
// stage but no value until createSecret puts one.
var ErrNotFound = errors.New("secret value not found")

// Metadata is the part of DescribeSecret the rotation reads.
type Metadata struct {
	// RotationEnabled is nil when Secrets Manager leaves it out.
	RotationEnabled *bool
	// VersionIDsToStages maps the versions that have staging labels to
	// their labels.
	VersionIDsToStages map[string][]string
}

// SecretsAPI is what the rotation needs of Secrets Manager. functions/dbrotate
// implements it with aws-sdk-go-v2.
type SecretsAPI interface {
	DescribeSecret(ctx context.Context, secretID string) (Metadata, error)
	// GetSecretValue returns the SecretString of the version versionID
	// (when not "") that has the label stage (when not ""); an error
	// wrapping ErrNotFound when there is none or it has no value.
	GetSecretValue(ctx context.Context, secretID, versionID, stage string) (string, error)
	// PutSecretValue stores value as the version token with the labels
	// stages (moving them from other versions). Putting the same value
	// again with the same token succeeds and changes nothing.
	PutSecretValue(ctx context.Context, secretID, token, value string, stages []string) error
	// UpdateSecretVersionStage moves stage to the version moveTo, removing
	// it from removeFrom ("" when no version has it).
	UpdateSecretVersionStage(ctx context.Context, secretID, stage, moveTo, removeFrom string) error
	// GetRandomPassword returns a password of length characters, none of
	// them in exclude.
	GetRandomPassword(ctx context.Context, length int, exclude string) (string, error)
}

// Rotator rotates secrets. Its zero durations take defaults.
type Rotator struct {
	Secrets SecretsAPI
	// Roots verify the server certificate (rdsca.Pool() in the function).
	Roots *x509.CertPool
	Settings
	// ConnectWait is how long a connection is retried while the server
	// is unreachable or starting (default 30s); a certificate or login
	// error fails at once.
	ConnectWait time.Duration
	// RetryEvery is the wait between connection attempts (default 2s).
	RetryEvery time.Duration
	// Logf logs progress (nil: no logs). It never receives a password or
	// a secret value.
	Logf func(format string, args ...any)
}

// ApplicationName is the application_name of the rotation's sessions.
const ApplicationName = "medbookings-rotation"

func (r *Rotator) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}

// Rotate runs step for the version token of the secret secretID.
func (r *Rotator) Rotate(ctx context.Context, secretID, token string, step Step) error {
	if secretID == "" || token == "" {
		return errors.New("rotation: the secret id and the client request token are required")
	}
	if !slices.Contains(Steps, step) {
		return fmt.Errorf("rotation: invalid step %q for secret %s", step, secretID)
	}
	if err := r.Settings.validate(); err != nil {
		return err
	}
	r.logf("%s: secret %s version %s", step, secretID, token)
	md, err := r.Secrets.DescribeSecret(ctx, secretID)
	if err != nil {
		return fmt.Errorf("%s: describe secret %s: %w", step, secretID, err)
	}
	if md.RotationEnabled != nil && !*md.RotationEnabled {
		return fmt.Errorf("%s: secret %s is not enabled for rotation", step, secretID)
	}
	stages, ok := md.VersionIDsToStages[token]
	switch {
	case !ok:
		return fmt.Errorf("%s: version %s has no stage for rotation of secret %s", step, token, secretID)
	case slices.Contains(stages, StageCurrent):
		r.logf("%s: version %s of secret %s is already %s: nothing to do", step, token, secretID, StageCurrent)
		return nil
	case !slices.Contains(stages, StagePending):
		return fmt.Errorf("%s: version %s of secret %s is not %s (its stages: %v)", step, token, secretID, StagePending, stages)
	}
	s := &stepRun{r: r, id: secretID, token: token, step: step}
	switch step {
	case StepCreate:
		err = s.create(ctx)
	case StepSet:
		err = s.set(ctx)
	case StepTest:
		err = s.test(ctx)
	case StepFinish:
		err = s.finish(ctx)
	}
	if err != nil {
		return fmt.Errorf("%s: secret %s version %s: %w", step, secretID, token, err)
	}
	return nil
}

// stepRun is one step for one version of one secret.
type stepRun struct {
	r     *Rotator
	id    string
	token string
	step  Step
}

func (s *stepRun) logf(format string, args ...any) {
	s.r.logf(string(s.step)+": secret "+s.id+" version "+s.token+": "+format, args...)
}

// read reads and parses a version of the user's secret.
func (s *stepRun) read(ctx context.Context, versionID, stage string) (*dbSecret, error) {
	v, err := s.r.Secrets.GetSecretValue(ctx, s.id, versionID, stage)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", describeVersion(versionID, stage), err)
	}
	return parseUserSecret(s.id, describeVersion(versionID, stage), v)
}

func describeVersion(versionID, stage string) string {
	if versionID == "" {
		return stage
	}
	return stage + " version " + versionID
}

// readCurrent reads the current version, the strategy it calls for, and
// the user the pending version names: the same user (single-user) or the
// other of the two (multi-user).
func (s *stepRun) readCurrent(ctx context.Context) (current *dbSecret, strategy Strategy, next string, err error) {
	if current, err = s.read(ctx, "", StageCurrent); err != nil {
		return nil, "", "", err
	}
	if strategy, err = s.strategy(current); err != nil {
		return nil, "", "", err
	}
	next = current.Username
	if strategy == MultiUser {
		if next, err = AlternateUser(current.Username); err != nil {
			return nil, "", "", err
		}
	}
	return current, strategy, next, nil
}

// strategy returns the strategy of a secret, checking it against the
// settings.
func (s *stepRun) strategy(sec *dbSecret) (Strategy, error) {
	got := SingleUser
	if sec.MasterARN != "" {
		got = MultiUser
	}
	if s.r.Strategy != "" && s.r.Strategy != got {
		has := "has no masterarn"
		if got == MultiUser {
			has = "has a masterarn"
		}
		return "", fmt.Errorf("the secret %s (%s strategy) but the function rotates %s secrets only", has, got, s.r.Strategy)
	}
	return got, nil
}

// create puts the pending version unless it exists already.
func (s *stepRun) create(ctx context.Context) error {
	current, strategy, user, err := s.readCurrent(ctx)
	if err != nil {
		return err
	}
	pending, err := s.read(ctx, s.token, StagePending)
	switch {
	case err == nil:
		s.logf("the %s version exists already (user %q)", StagePending, pending.Username)
		return nil
	case !errors.Is(err, ErrNotFound):
		return err
	}
	password, err := s.r.Secrets.GetRandomPassword(ctx, s.r.passwordLength(), s.r.ExcludeCharacters)
	if err != nil {
		return fmt.Errorf("generate a password: %w", err)
	}
	if err := s.r.checkPassword(password); err != nil {
		return err
	}
	value, err := current.with(user, password)
	if err != nil {
		return err
	}
	if err := s.r.Secrets.PutSecretValue(ctx, s.id, s.token, value, []string{StagePending}); err != nil {
		return fmt.Errorf("put the %s version: %w", StagePending, err)
	}
	s.logf("put the %s version for user %q (%s strategy)", StagePending, user, strategy)
	return nil
}

// finish moves AWSCURRENT to the token's version.
func (s *stepRun) finish(ctx context.Context) error {
	md, err := s.r.Secrets.DescribeSecret(ctx, s.id)
	if err != nil {
		return fmt.Errorf("describe: %w", err)
	}
	current := ""
	for version, stages := range md.VersionIDsToStages {
		if slices.Contains(stages, StageCurrent) {
			if version == s.token {
				s.logf("already %s", StageCurrent)
				return nil
			}
			current = version
			break
		}
	}
	if err := s.r.Secrets.UpdateSecretVersionStage(ctx, s.id, StageCurrent, s.token, current); err != nil {
		return fmt.Errorf("move %s from version %s: %w", StageCurrent, current, err)
	}
	s.logf("moved %s from version %s to this version", StageCurrent, current)
	return nil
}
