package rotation_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"sync"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/rotation"
)

// fakeSM is an in-memory Secrets Manager that keeps staging labels the way
// the service does:
//
//   - a label is on at most one version; PutSecretValue and
//     UpdateSecretVersionStage move it;
//   - moving AWSCURRENT puts AWSPREVIOUS on the version that had it;
//   - RotateSecret (startRotation) creates the new version with AWSPENDING
//     and no value, and refuses to start while AWSPENDING is on a version
//     that is not AWSCURRENT (a rotation in progress);
//   - GetSecretValue of a version without a value, or a version or label
//     that does not exist, is ResourceNotFoundException (ErrNotFound);
//   - PutSecretValue with the token of a version that has a value succeeds
//     only with the same value (and then changes nothing);
//   - UpdateSecretVersionStage of a label on another version than
//     RemoveFromVersionId fails.
type fakeSM struct {
	mu      sync.Mutex
	secrets map[string]*fakeSecret
	// calls counts calls by "<operation> <secret id>" (GetRandomPassword
	// without an id); writes counts PutSecretValue and
	// UpdateSecretVersionStage calls that changed something.
	calls  map[string]int
	writes int
	// excludes are the ExcludeCharacters of the GetRandomPassword calls.
	excludes []string
	// fail makes the next call of an operation ("<operation> <secret id>")
	// fail with the error.
	fail   map[string]error
	nextID int
}

type fakeSecret struct {
	rotationEnabled *bool
	versions        map[string]*fakeVersion
}

type fakeVersion struct {
	value  *string
	stages []string
}

func newFakeSM() *fakeSM {
	return &fakeSM{secrets: map[string]*fakeSecret{}, calls: map[string]int{}, fail: map[string]error{}}
}

var _ rotation.SecretsAPI = (*fakeSM)(nil)

type notFound struct{ msg string }

func (e notFound) Error() string { return "ResourceNotFoundException: " + e.msg }
func (e notFound) Unwrap() error { return rotation.ErrNotFound }

// create makes a secret with value as AWSCURRENT (version "<id>-v0"),
// rotation enabled when rotation is true; a master secret has rotation
// managed by RDS, which does not matter here.
func (f *fakeSM) create(id, value string, rotation bool) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := id + "-v0"
	f.secrets[id] = &fakeSecret{rotationEnabled: &rotation, versions: map[string]*fakeVersion{v: {value: &value, stages: []string{"AWSCURRENT"}}}}
	return v
}

func (f *fakeSM) call(op, id string) (*fakeSecret, error) {
	key := strings.TrimSpace(op + " " + id)
	f.calls[key]++
	if err, ok := f.fail[key]; ok {
		delete(f.fail, key)
		return nil, err
	}
	if id == "" {
		return nil, nil
	}
	s, ok := f.secrets[id]
	if !ok {
		return nil, notFound{"Secrets Manager can't find the specified secret: " + id}
	}
	return s, nil
}

func (s *fakeSecret) withStage(stage string) string {
	for id, v := range s.versions {
		if slices.Contains(v.stages, stage) {
			return id
		}
	}
	return ""
}

// move puts stage on version to, taking it off any other version; moving
// AWSCURRENT labels the version that had it AWSPREVIOUS.
func (s *fakeSecret) move(stage, to string) {
	from := s.withStage(stage)
	if from == to {
		return
	}
	if from != "" {
		s.versions[from].stages = slices.DeleteFunc(s.versions[from].stages, func(x string) bool { return x == stage })
	}
	s.versions[to].stages = append(s.versions[to].stages, stage)
	if stage == "AWSCURRENT" && from != "" {
		s.move("AWSPREVIOUS", from)
	}
}

func (f *fakeSM) DescribeSecret(_ context.Context, id string) (rotation.Metadata, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.call("DescribeSecret", id)
	if err != nil {
		return rotation.Metadata{}, err
	}
	md := rotation.Metadata{RotationEnabled: s.rotationEnabled, VersionIDsToStages: map[string][]string{}}
	for vid, v := range s.versions {
		if len(v.stages) > 0 {
			md.VersionIDsToStages[vid] = slices.Clone(v.stages)
		}
	}
	return md, nil
}

func (f *fakeSM) GetSecretValue(_ context.Context, id, versionID, stage string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.call("GetSecretValue", id)
	if err != nil {
		return "", err
	}
	if versionID == "" {
		if stage == "" {
			stage = "AWSCURRENT"
		}
		versionID = s.withStage(stage)
	}
	v, ok := s.versions[versionID]
	switch {
	case !ok:
		return "", notFound{fmt.Sprintf("no version %q / stage %q of %s", versionID, stage, id)}
	case stage != "" && !slices.Contains(v.stages, stage):
		return "", notFound{fmt.Sprintf("version %s of %s does not have stage %s", versionID, id, stage)}
	case v.value == nil:
		return "", notFound{fmt.Sprintf("version %s of %s has no value", versionID, id)}
	}
	return *v.value, nil
}

func (f *fakeSM) PutSecretValue(_ context.Context, id, token, value string, stages []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.call("PutSecretValue", id)
	if err != nil {
		return err
	}
	if token == "" {
		return errors.New("InvalidParameterException: fake: a ClientRequestToken is required")
	}
	v, ok := s.versions[token]
	switch {
	case ok && v.value != nil && *v.value != value:
		return errors.New("ResourceExistsException: a version with this ClientRequestToken already exists with another value")
	case ok && v.value != nil:
		return nil // the same request again
	case !ok:
		v = &fakeVersion{}
		s.versions[token] = v
	}
	v.value = &value
	for _, st := range stages {
		s.move(st, token)
	}
	f.writes++
	return nil
}

func (f *fakeSM) UpdateSecretVersionStage(_ context.Context, id, stage, moveTo, removeFrom string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, err := f.call("UpdateSecretVersionStage", id)
	if err != nil {
		return err
	}
	if _, ok := s.versions[moveTo]; !ok && moveTo != "" {
		return notFound{"no version " + moveTo}
	}
	if on := s.withStage(stage); on != "" && on != moveTo && on != removeFrom {
		return fmt.Errorf("InvalidParameterException: the staging label %s is attached to version %s, but RemoveFromVersionId is %q", stage, on, removeFrom)
	}
	if removeFrom != "" && !slices.Contains(s.versions[removeFrom].stages, stage) {
		return fmt.Errorf("InvalidParameterException: version %s does not have the label %s", removeFrom, stage)
	}
	if moveTo == "" {
		s.versions[removeFrom].stages = slices.DeleteFunc(s.versions[removeFrom].stages, func(x string) bool { return x == stage })
	} else {
		s.move(stage, moveTo)
	}
	f.writes++
	return nil
}

const passwordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

func (f *fakeSM) GetRandomPassword(_ context.Context, length int, exclude string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.call("GetRandomPassword", ""); err != nil {
		return "", err
	}
	f.excludes = append(f.excludes, exclude)
	var alphabet []rune
	for _, c := range passwordAlphabet {
		if !strings.ContainsRune(exclude, c) && c != ' ' {
			alphabet = append(alphabet, c)
		}
	}
	if length < 1 || length > 4096 || len(alphabet) == 0 {
		return "", errors.New("InvalidParameterException: fake: bad password parameters")
	}
	var b strings.Builder
	for range length {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b.WriteRune(alphabet[n.Int64()])
	}
	return b.String(), nil
}

// startRotation does what RotateSecret does before it invokes the
// function: a new version (the token) with AWSPENDING and no value.
func (f *fakeSM) startRotation(id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.secrets[id]
	if p := s.withStage("AWSPENDING"); p != "" && !slices.Contains(s.versions[p].stages, "AWSCURRENT") {
		return "", fmt.Errorf("InvalidRequestException: a previous rotation of %s is not complete (AWSPENDING on version %s)", id, p)
	}
	f.nextID++
	token := fmt.Sprintf("%s-token-%d", id, f.nextID)
	s.versions[token] = &fakeVersion{}
	s.move("AWSPENDING", token)
	return token, nil
}

// endRotation is what Secrets Manager does after a successful finishSecret:
// AWSPENDING is no longer on any version.
func (f *fakeSM) endRotation(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.secrets[id]
	if p := s.withStage("AWSPENDING"); p != "" {
		s.versions[p].stages = slices.DeleteFunc(s.versions[p].stages, func(x string) bool { return x == "AWSPENDING" })
	}
}

// value is the value with stage ("" when none).
func (f *fakeSM) value(id, stage string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.secrets[id]
	if v := s.withStage(stage); v != "" && s.versions[v].value != nil {
		return *s.versions[v].value
	}
	return ""
}

// versionWith is the version that has stage ("" when none).
func (f *fakeSM) versionWith(id, stage string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.secrets[id].withStage(stage)
}

// setValue replaces the value of the version with stage (a change by
// hand, outside any rotation).
func (f *fakeSM) setValue(id, stage, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.secrets[id]
	s.versions[s.withStage(stage)].value = &value
}

func (f *fakeSM) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

func (f *fakeSM) writeCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes
}
