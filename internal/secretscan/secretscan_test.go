package secretscan_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	_ "github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest" // -update flag
	"github.com/sheigoldberg/medbookings/infrastructure/internal/secretscan"
)

// The scanner itself must catch what it is meant to catch: each of these
// templates holds a secret in a different way.
func TestScanTemplateFindsSecrets(t *testing.T) {
	fake := map[string]string{
		"aws key":      "AKIA" + "ABCDEFGHIJKLMNOP",
		"github":       "ghp_" + "abcdefghijklmnopqrstuvwxyz0123456789AB",
		"sendgrid":     "SG." + "abcdefghijklmnopqrstuv." + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		"google":       "AIza" + "SyA-abcdefghijklmnopqrstuvwxyz01234",
		"database url": "postgresql://app:" + "hunter2@db.example.com:5432/app",
	}
	for name, value := range fake {
		tpl := map[string]any{"Resources": map[string]any{"X": map[string]any{"Properties": map[string]any{"Description": "x " + value}}}}
		assert.NotEmpty(t, secretscan.ScanTemplate("t", tpl), name)
	}
	literal := map[string]any{"Resources": map[string]any{
		"Db":  map[string]any{"Properties": map[string]any{"MasterUserPassword": "correct horse battery"}},
		"App": map[string]any{"Properties": map[string]any{"EnvironmentVariables": []any{map[string]any{"Name": "AUTH_SECRET", "Value": "abc"}}}},
	}}
	assert.Len(t, secretscan.ScanTemplate("t", literal), 2)
}

// A Maps JavaScript key is public by design, but only where it is used as
// one; the same key anywhere else is a finding.
func TestPublicMapsKey(t *testing.T) {
	key := "AIza" + "SyA-abcdefghijklmnopqrstuvwxyz01234"
	ok := map[string]any{"Resources": map[string]any{"App": map[string]any{"Properties": map[string]any{
		"EnvironmentVariables": []any{map[string]any{"Name": "NEXT_PUBLIC_GOOGLE_MAPS_API_KEY", "Value": key}}}}}}
	assert.Empty(t, secretscan.ScanTemplate("t", ok))
	elsewhere := map[string]any{"Resources": map[string]any{"App": map[string]any{"Properties": map[string]any{
		"EnvironmentVariables": []any{map[string]any{"Name": "GOOGLE_KEY", "Value": key}}}}}}
	assert.Len(t, secretscan.ScanTemplate("t", elsewhere), 1)
	assert.Empty(t, secretscan.ScanText("cdk.json", `  "googleMapsApiKey": "`+key+`",`))
	assert.Len(t, secretscan.ScanText("cdk.json", "  \"note\": \"\",\n  \"other\": \""+key+"\""), 1)
}

func TestScanTemplateAcceptsReferences(t *testing.T) {
	tpl := map[string]any{"Resources": map[string]any{
		"Db": map[string]any{"Properties": map[string]any{
			"MasterUserPassword": "{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:SecretString:password::}}",
			"MasterUserSecret":   map[string]any{"KmsKeyId": map[string]any{"Ref": "Key"}},
		}},
		"App": map[string]any{"Properties": map[string]any{
			"AccessToken": "{{resolve:secretsmanager:medbookings/github-token:SecretString:::}}",
			"EnvironmentVariables": []any{
				map[string]any{"Name": "APP_SECRET_ARN", "Value": map[string]any{"Ref": "AppSecret"}},
				map[string]any{"Name": "DATABASE_SECRET_ARN", "Value": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"},
				map[string]any{"Name": "GITHUB_TOKEN_SECRET_NAME", "Value": "medbookings/github-token"},
			},
		}},
		"S": map[string]any{"Properties": map[string]any{"GenerateSecretString": map[string]any{"GenerateStringKey": "AUTH_SECRET", "PasswordLength": 48}}},
		"R": map[string]any{"Properties": map[string]any{"AssumeRolePolicyDocument": map[string]any{"Condition": map[string]any{
			"StringEquals": map[string]any{"token.actions.githubusercontent.com:sub": "repo:o/r:pull_request"}}}}},
		"P": map[string]any{"Properties": map[string]any{"Parameters": map[string]any{"password_encryption": "scram-sha-256"}}},
		"D": map[string]any{"Properties": map[string]any{"Description": "export DATABASE_URL=postgresql://$DB_USER:$DB_PASS@$HOST/db"}},
	}}
	assert.Empty(t, secretscan.ScanTemplate("t", tpl))
}

func TestAllowMarker(t *testing.T) {
	dsn := "postgresql://u" + ":p@db/x"
	text := "dsn := \"" + dsn + "\" // secretscan:" + "allow (a test's fake credentials)\n" +
		"other := \"" + dsn + "\"\n"
	got := secretscan.ScanText("f.go", text)
	if len(got) != 1 || got[0].Where != "f.go:2" {
		t.Fatalf("only the unmarked line is a finding, got %v", got)
	}
}
