package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sheigoldberg/medbookings/infrastructure/constructs/hosting"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/cdktest"
)

// appRequirement is one entry of testdata/app-env-requirements.json: a
// variable the app reads and its schema's rule.
type appRequirement struct {
	Name, Required, Rule, When, Removed string
}

func appRequirements(t *testing.T) []appRequirement {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(cdktest.RepoRoot(), "testdata", "app-env-requirements.json"))
	require.NoError(t, err)
	var doc struct{ Variables []appRequirement }
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.NotEmpty(t, doc.Variables)
	return doc.Variables
}

// TestAppContractCoversTheApp: every variable the app reads is in the
// contract (or removed by a listed app change), with a compatible phase.
func TestAppContractCoversTheApp(t *testing.T) {
	for _, r := range appRequirements(t) {
		v, ok := hosting.Lookup(r.Name)
		if r.Removed != "" {
			assert.False(t, ok, "%s is removed by the app changes; the contract must not provide it", r.Name)
			if _, ok := hosting.Lookup(r.Removed); !ok {
				assert.Contains(t, r.Removed, " ", "%s: its replacement %s is in the contract", r.Name, r.Removed)
			}
			continue
		}
		if !assert.True(t, ok, "the app reads %s: the contract must say where it comes from", r.Name) {
			continue
		}
		if strings.Contains(r.When, "run") && r.Required != "no" {
			assert.NotEqual(t, hosting.Build, v.Phase, "%s is required at run time", r.Name)
		}
		if strings.Contains(r.When, "build") && r.Required != "no" && v.Phase == hosting.Run {
			assert.NotEmpty(t, v.BuildValue, "%s is checked during the build: the contract gives the build a placeholder", r.Name)
		}
	}
}

// TestServerConfigurationMeetsTheApp holds the synthesized server of both
// environments against the app's requirements: every required variable
// reaches process.env — a literal in the function's environment when it is
// not a secret, a key of a secret the env wrapper reads when it is — no
// secret is a literal, and NEXTAUTH_URL is the canonical host.
func TestServerConfigurationMeetsTheApp(t *testing.T) {
	b := theBuiltApp(t)
	for env, st := range b.stacks {
		t.Run(env, func(t *testing.T) {
			j := b.json[env]
			fn := props(resources(j, "AWS::Lambda::Function")[logicalIDOf(t, st.Hosting.ServerFunction)])
			vars := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
			secretKeys := map[string]bool{}
			// the secrets the wrapper reads, by reference to the stack's secrets
			wrapped := fmt.Sprint(vars["MEDBOOKINGS_SECRETS"])
			for id, s := range resources(j, "AWS::SecretsManager::Secret") {
				if !strings.Contains(wrapped, id) {
					continue
				}
				gen := props(s)["GenerateSecretString"].(map[string]any)
				var tpl map[string]any
				require.NoError(t, json.Unmarshal([]byte(gen["SecretStringTemplate"].(string)), &tpl))
				for k := range tpl {
					secretKeys[k] = true
				}
				secretKeys[gen["GenerateStringKey"].(string)] = true
				if gen["GenerateStringKey"] == "NEXTAUTH_SECRET" {
					assert.GreaterOrEqual(t, gen["PasswordLength"], 32.0, "NEXTAUTH_SECRET: min length 32")
				}
			}
			assert.Contains(t, fmt.Sprint(vars["MEDBOOKINGS_DATABASE_SECRET"]), "DatabaseAppSecret", "DATABASE_URL comes from the application user's secret")
			assert.Equal(t, st.Environment.URL, vars["NEXTAUTH_URL"], "NEXTAUTH_URL is the canonical host")
			assert.Equal(t, hosting.WrapperPath, vars["AWS_LAMBDA_EXEC_WRAPPER"])
			for _, r := range appRequirements(t) {
				v, ok := hosting.Lookup(r.Name)
				if !ok || !strings.Contains(r.When, "run") {
					continue
				}
				literal, isLiteral := vars[r.Name]
				switch {
				case v.Secret:
					assert.False(t, isLiteral, "%s is a secret: never a literal in the function's configuration", r.Name)
					if v.Source == hosting.FromDatabase {
						continue
					}
					assert.True(t, secretKeys[r.Name], "%s reaches process.env from a secret the wrapper reads", r.Name)
				case v.Source == hosting.FromLambda:
				case r.Required != "no":
					if assert.True(t, isLiteral, "%s is required and must be set", r.Name) {
						assert.NotEmpty(t, literal, r.Name)
						if r.Rule == "url" {
							_, err := url.ParseRequestURI(fmt.Sprint(literal))
							assert.NoError(t, err, "%s must be a URL", r.Name)
						}
					}
				}
			}
		})
	}
}
