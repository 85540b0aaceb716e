package prismamigrate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// LockFileName and ScriptName are the files of a Prisma migrations folder:
// <dir>/migration_lock.toml and <dir>/<migration name>/migration.sql.
const (
	LockFileName = "migration_lock.toml"
	ScriptName   = "migration.sql"
)

// Provider is the only datasource provider Deploy applies migrations of.
const Provider = "postgresql"

// Migration is one migration folder.
type Migration struct {
	// Name is the folder's name, e.g. 20240101120000_init.
	Name string
	// Script is migration.sql; nil when the folder has none.
	Script []byte
	// Checksum is Prisma's checksum of Script (see Checksum).
	Checksum string
}

// Load reads a migrations folder as Prisma does: migration_lock.toml, which
// must name the provider "postgresql", and every subfolder, sorted by name,
// with its migration.sql. A folder without migration.sql is listed with a
// nil Script (Deploy fails if it has to apply it, as Prisma does). Unlike
// Prisma, which accepts a folder without migration_lock.toml, Load requires
// the file: without it the folder is most likely not the one intended.
func Load(dir string) ([]Migration, error) {
	lock, err := os.ReadFile(filepath.Join(dir, LockFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s has no %s: not a Prisma migrations folder (prisma migrate dev writes it, with provider = %q)", dir, LockFileName, Provider)
	}
	if err != nil {
		return nil, err
	}
	if p := lockProvider(string(lock)); p != Provider {
		return nil, fmt.Errorf("%s: the migrations were made for provider %q, not %q: refusing to apply them to PostgreSQL (Prisma error P3019)", filepath.Join(dir, LockFileName), p, Provider)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		// Like Prisma (Node's Dirent.isDirectory), folders only, not links.
		if !e.IsDir() {
			continue
		}
		m := Migration{Name: e.Name()}
		m.Script, err = os.ReadFile(filepath.Join(dir, e.Name(), ScriptName))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			m.Script = nil
		case err != nil:
			return nil, err
		default:
			m.Checksum = Checksum(m.Script)
		}
		ms = append(ms, m)
	}
	// Prisma sorts with JavaScript's localeCompare; its names start with a
	// 14-digit timestamp, for which byte order is the same order.
	slices.SortFunc(ms, func(a, b Migration) int { return strings.Compare(a.Name, b.Name) })
	return ms, nil
}

// lockProvider reads the provider from migration_lock.toml as Prisma does:
// the first line that starts with "provider", without `provider = ` and
// the quotes.
func lockProvider(lock string) string {
	for _, line := range strings.Split(lock, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.HasPrefix(line, "provider") {
			v := strings.TrimSpace(strings.TrimPrefix(line, "provider"))
			v = strings.TrimSpace(strings.TrimPrefix(v, "="))
			return strings.Trim(v, `"`)
		}
	}
	return "<PROVIDER NOT FOUND>"
}

// Checksum is Prisma's checksum of a migration script, recorded in
// _prisma_migrations.checksum: the SHA-256 of the file's bytes (read as
// UTF-8 text, which Prisma does not alter), in 64 lower-case hex digits.
func Checksum(script []byte) string {
	sum := sha256.Sum256(script)
	return hex.EncodeToString(sum[:])
}

// checksumMatches reports whether script matches a recorded checksum the
// way Prisma's `migrate status` compares them: also with CRLF turned into
// LF and LF into CRLF (git may change line endings), and in the format
// without zero padding that old Prisma versions recorded.
func checksumMatches(script []byte, recorded string) bool {
	for _, s := range [][]byte{
		script,
		bytes.ReplaceAll(script, []byte("\r\n"), []byte("\n")),
		bytes.ReplaceAll(script, []byte("\n"), []byte("\r\n")),
	} {
		sum := sha256.Sum256(s)
		want := hex.EncodeToString(sum[:])
		if recorded != "" && len(recorded) != 64 {
			var b strings.Builder
			for _, c := range sum {
				fmt.Fprintf(&b, "%x", c)
			}
			want = b.String()
		}
		if want == recorded {
			return true
		}
	}
	return false
}

// checkScript fails when a migration cannot be applied as Prisma would.
func checkScript(dir string, m Migration) error {
	if m.Script == nil {
		return fmt.Errorf("migration %s has no %s: could not find %s (Prisma error P3015); restore the file or delete the folder",
			m.Name, ScriptName, filepath.Join(dir, m.Name, ScriptName))
	}
	if !utf8.Valid(m.Script) {
		return fmt.Errorf("migration %s: %s is not UTF-8 text", m.Name, ScriptName)
	}
	return nil
}
