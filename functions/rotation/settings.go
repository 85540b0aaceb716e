package rotation

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Strategy is how a secret rotates.
type Strategy string

const (
	// SingleUser changes the password of the secret's user, logged in as
	// that user.
	SingleUser Strategy = "single-user"
	// MultiUser alternates the secret between a user and its clone, and
	// changes passwords logged in as the master user.
	MultiUser Strategy = "multi-user"
)

// The environment variables the function reads (SettingsFromEnv).
const (
	// EnvExcludeCharacters are the characters new passwords must not
	// contain; DefaultExcludeCharacters when unset (as AWS's functions).
	EnvExcludeCharacters = "EXCLUDE_CHARACTERS"
	// EnvPasswordLength is the length of new passwords;
	// DefaultPasswordLength when unset.
	EnvPasswordLength = "PASSWORD_LENGTH"
	// EnvStrategy, when set ("single-user" or "multi-user"), makes the
	// function refuse secrets of the other strategy; unset, the secret's
	// content decides (masterarn: multi-user).
	EnvStrategy = "ROTATION_STRATEGY"
)

// Defaults of the settings.
const (
	DefaultPasswordLength    = 30
	DefaultExcludeCharacters = `:/@"'\`
	// MinPasswordLength and MaxPasswordLength bound PASSWORD_LENGTH (the
	// bounds functions/roles accepts).
	MinPasswordLength = 16
	MaxPasswordLength = 1024
)

// Settings are how the function rotates.
type Settings struct {
	// ExcludeCharacters are never in a new password.
	ExcludeCharacters string
	// PasswordLength is the length of new passwords; 0 means
	// DefaultPasswordLength.
	PasswordLength int
	// Strategy, when not "", is the only strategy accepted.
	Strategy Strategy
}

// SettingsFromEnv reads the settings from the environment (lookup is
// os.LookupEnv in the function).
func SettingsFromEnv(lookup func(string) (string, bool)) (Settings, error) {
	s := Settings{ExcludeCharacters: DefaultExcludeCharacters, PasswordLength: DefaultPasswordLength}
	if v, ok := lookup(EnvExcludeCharacters); ok {
		s.ExcludeCharacters = v
	}
	if v, ok := lookup(EnvPasswordLength); ok && v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return s, fmt.Errorf("rotation: %s=%q is not a number", EnvPasswordLength, v)
		}
		s.PasswordLength = n
	}
	if v, ok := lookup(EnvStrategy); ok {
		s.Strategy = Strategy(strings.TrimSpace(v))
	}
	return s, s.validate()
}

func (s Settings) validate() error {
	var errs []error
	if n := s.PasswordLength; n != 0 && (n < MinPasswordLength || n > MaxPasswordLength) {
		errs = append(errs, fmt.Errorf("rotation: the password length %d is not between %d and %d", n, MinPasswordLength, MaxPasswordLength))
	}
	switch s.Strategy {
	case "", SingleUser, MultiUser:
	default:
		errs = append(errs, fmt.Errorf("rotation: unknown strategy %q (want %q or %q)", s.Strategy, SingleUser, MultiUser))
	}
	return errors.Join(errs...)
}

func (r *Rotator) passwordLength() int {
	if r.PasswordLength == 0 {
		return DefaultPasswordLength
	}
	return r.PasswordLength
}

// checkPassword checks a generated password against the settings (it never
// shows the password).
func (r *Rotator) checkPassword(p string) error {
	switch {
	case len(p) != r.passwordLength():
		return fmt.Errorf("the generated password has %d characters; want %d", len(p), r.passwordLength())
	case strings.ContainsAny(p, r.ExcludeCharacters):
		return errors.New("the generated password has an excluded character")
	case strings.ContainsRune(p, 0):
		return errors.New("the generated password has a NUL character")
	}
	return nil
}
