package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/sheigoldberg/medbookings/infrastructure/functions/rotation"
)

func TestEventDecoding(t *testing.T) {
	for _, c := range []struct{ name, json string }{
		{"classic", `{"SecretId":"arn:aws:secretsmanager:eu-west-1:111111111111:secret:app-AbCdEf","ClientRequestToken":"0b4e4ab8-3c0e-4f39-9b5a-2f0c5d9e8f11","Step":"createSecret"}`},
		{"with RotationToken", `{"SecretId":"arn:aws:secretsmanager:eu-west-1:111111111111:secret:app-AbCdEf","ClientRequestToken":"0b4e4ab8-3c0e-4f39-9b5a-2f0c5d9e8f11","Step":"createSecret","RotationToken":"a1b2c3"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var ev event
			if err := json.Unmarshal([]byte(c.json), &ev); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			if err := (&handler{r: rec}).handle(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			want := call{"arn:aws:secretsmanager:eu-west-1:111111111111:secret:app-AbCdEf", "0b4e4ab8-3c0e-4f39-9b5a-2f0c5d9e8f11", rotation.StepCreate}
			if len(rec.calls) != 1 || rec.calls[0] != want {
				t.Errorf("Rotate calls %+v; want %+v", rec.calls, want)
			}
		})
	}
}

func TestHandlerRefusesIncompleteEvents(t *testing.T) {
	for _, ev := range []event{
		{ClientRequestToken: "t", Step: "createSecret"},
		{SecretID: "s", Step: "createSecret"},
		{SecretID: "s", ClientRequestToken: "t"},
	} {
		rec := &recorder{}
		if err := (&handler{r: rec}).handle(context.Background(), ev); err == nil || len(rec.calls) != 0 {
			t.Errorf("%+v: %v, %d calls; want an error and no rotation", ev, err, len(rec.calls))
		}
	}
	boom := errors.New("boom")
	if err := (&handler{r: &recorder{err: boom}}).handle(context.Background(), event{SecretID: "s", ClientRequestToken: "t", Step: "setSecret"}); !errors.Is(err, boom) {
		t.Errorf("a failing step: %v; want its error", err)
	}
}

type call struct {
	secretID, token string
	step            rotation.Step
}

type recorder struct {
	calls []call
	err   error
}

func (r *recorder) Rotate(_ context.Context, secretID, token string, step rotation.Step) error {
	r.calls = append(r.calls, call{secretID, token, step})
	return r.err
}

// fakeClient records the SDK inputs and returns canned outputs.
type fakeClient struct {
	describe *secretsmanager.DescribeSecretInput
	get      *secretsmanager.GetSecretValueInput
	put      *secretsmanager.PutSecretValueInput
	update   *secretsmanager.UpdateSecretVersionStageInput
	random   *secretsmanager.GetRandomPasswordInput
	getErr   error
	value    *string
}

func (f *fakeClient) DescribeSecret(_ context.Context, in *secretsmanager.DescribeSecretInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error) {
	f.describe = in
	return &secretsmanager.DescribeSecretOutput{VersionIdsToStages: map[string][]string{"v1": {"AWSCURRENT"}}}, nil
}

func (f *fakeClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.get = in
	if f.getErr != nil {
		return nil, f.getErr
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: f.value}, nil
}

func (f *fakeClient) PutSecretValue(_ context.Context, in *secretsmanager.PutSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error) {
	f.put = in
	return &secretsmanager.PutSecretValueOutput{}, nil
}

func (f *fakeClient) UpdateSecretVersionStage(_ context.Context, in *secretsmanager.UpdateSecretVersionStageInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error) {
	f.update = in
	return &secretsmanager.UpdateSecretVersionStageOutput{}, nil
}

func (f *fakeClient) GetRandomPassword(_ context.Context, in *secretsmanager.GetRandomPasswordInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetRandomPasswordOutput, error) {
	f.random = in
	return &secretsmanager.GetRandomPasswordOutput{RandomPassword: aws.String("Abcdefghijklmnopqrstuvwxyz0123")}, nil
}

func TestSecretsAdapter(t *testing.T) {
	ctx := context.Background()
	f := &fakeClient{value: aws.String(`{"username":"u"}`)}
	s := secrets{c: f}

	md, err := s.DescribeSecret(ctx, "arn:s")
	if err != nil || aws.ToString(f.describe.SecretId) != "arn:s" || md.RotationEnabled != nil || md.VersionIDsToStages["v1"][0] != "AWSCURRENT" {
		t.Errorf("DescribeSecret = %+v, %v (input %+v)", md, err, f.describe)
	}

	// By stage only, and by version and stage.
	if v, err := s.GetSecretValue(ctx, "arn:s", "", "AWSCURRENT"); err != nil || v != `{"username":"u"}` || f.get.VersionId != nil || aws.ToString(f.get.VersionStage) != "AWSCURRENT" {
		t.Errorf("GetSecretValue(stage) = %q, %v (input %+v)", v, err, f.get)
	}
	if _, err := s.GetSecretValue(ctx, "arn:s", "tok", "AWSPENDING"); err != nil || aws.ToString(f.get.VersionId) != "tok" || aws.ToString(f.get.VersionStage) != "AWSPENDING" {
		t.Errorf("GetSecretValue(version) = %v (input %+v)", err, f.get)
	}
	// ResourceNotFoundException is rotation.ErrNotFound; other errors are not.
	f.getErr = &types.ResourceNotFoundException{Message: aws.String("Secrets Manager can't find the specified secret value for VersionId: tok")}
	if _, err := s.GetSecretValue(ctx, "arn:s", "tok", "AWSPENDING"); !errors.Is(err, rotation.ErrNotFound) {
		t.Errorf("not found: %v; want rotation.ErrNotFound", err)
	}
	f.getErr = &types.InternalServiceError{Message: aws.String("oops")}
	if _, err := s.GetSecretValue(ctx, "arn:s", "tok", "AWSPENDING"); err == nil || errors.Is(err, rotation.ErrNotFound) {
		t.Errorf("internal error: %v; want an error that is not ErrNotFound", err)
	}
	f.getErr, f.value = nil, nil
	if _, err := s.GetSecretValue(ctx, "arn:s", "", "AWSCURRENT"); err == nil || !strings.Contains(err.Error(), "binary") {
		t.Errorf("a binary secret: %v; want an error", err)
	}

	if err := s.PutSecretValue(ctx, "arn:s", "tok", "{}", []string{"AWSPENDING"}); err != nil ||
		aws.ToString(f.put.ClientRequestToken) != "tok" || aws.ToString(f.put.SecretString) != "{}" || len(f.put.VersionStages) != 1 || f.put.VersionStages[0] != "AWSPENDING" {
		t.Errorf("PutSecretValue: %v (input %+v)", err, f.put)
	}

	if err := s.UpdateSecretVersionStage(ctx, "arn:s", "AWSCURRENT", "tok", "v1"); err != nil ||
		aws.ToString(f.update.VersionStage) != "AWSCURRENT" || aws.ToString(f.update.MoveToVersionId) != "tok" || aws.ToString(f.update.RemoveFromVersionId) != "v1" {
		t.Errorf("UpdateSecretVersionStage: %v (input %+v)", err, f.update)
	}
	if err := s.UpdateSecretVersionStage(ctx, "arn:s", "AWSCURRENT", "tok", ""); err != nil || f.update.RemoveFromVersionId != nil {
		t.Errorf("UpdateSecretVersionStage without a current version: %v (input %+v)", err, f.update)
	}
}

func TestRandomPasswordInput(t *testing.T) {
	const construct = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	for _, c := range []struct {
		name, exclude     string
		wantNoPunctuation bool
	}{
		{"letters and digits only (the construct's)", construct, true},
		{"AWS's default", `:/@"'\`, false},
		{"nothing excluded", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeClient{}
			p, err := secrets{c: f}.GetRandomPassword(context.Background(), 30, c.exclude)
			if err != nil || p == "" {
				t.Fatal(p, err)
			}
			in := f.random
			if aws.ToInt64(in.PasswordLength) != 30 || aws.ToString(in.ExcludeCharacters) != c.exclude ||
				aws.ToBool(in.ExcludePunctuation) != c.wantNoPunctuation || !aws.ToBool(in.RequireEachIncludedType) ||
				aws.ToBool(in.ExcludeNumbers) || aws.ToBool(in.ExcludeLowercase) || aws.ToBool(in.ExcludeUppercase) || aws.ToBool(in.IncludeSpace) {
				t.Errorf("GetRandomPassword input: length %d, exclude %q, no punctuation %v, each type %v; want 30, %q, %v, true",
					aws.ToInt64(in.PasswordLength), aws.ToString(in.ExcludeCharacters), aws.ToBool(in.ExcludePunctuation),
					aws.ToBool(in.RequireEachIncludedType), c.exclude, c.wantNoPunctuation)
			}
		})
	}
}

func TestNewRotatorReadsTheEnvironment(t *testing.T) {
	env := map[string]string{"EXCLUDE_CHARACTERS": "abc", "PASSWORD_LENGTH": "32", "ROTATION_STRATEGY": "single-user"}
	r, err := newRotator(&fakeClient{}, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if r.ExcludeCharacters != "abc" || r.PasswordLength != 32 || r.Strategy != rotation.SingleUser || r.Roots == nil || r.Logf == nil {
		t.Errorf("rotator %+v", r.Settings)
	}
	env["PASSWORD_LENGTH"] = "3"
	if _, err := newRotator(&fakeClient{}, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err == nil {
		t.Error("PASSWORD_LENGTH=3: want an error")
	}
}
