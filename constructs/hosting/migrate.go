package hosting

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdabuild"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdafn"
)

// MigrationFiles reads the bundle's migrations folder into the paths the
// migrate function finds them at (migrations/<name>/migration.sql) and
// returns their digest.
func MigrationFiles(dir string) (map[string][]byte, string, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		content, err := os.ReadFile(path)
		files[filepath.ToSlash(filepath.Join("migrations", rel))] = content
		return err
	})
	if err != nil {
		return nil, "", err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n + "\x00"))
		h.Write(files[n])
		h.Write([]byte{0})
	}
	return files, hex.EncodeToString(h.Sum(nil)), nil
}

// createMigrations runs the app's Prisma migrations (functions/migrate, a
// Go implementation of `prisma migrate deploy`) from inside the VPC as a
// custom resource: after the database roles exist, before the new server
// takes traffic. A failed migration fails the deployment, with the
// migration's name and PostgreSQL's error in the stack events (and so in
// the workflow's log), and CloudFormation rolls the server back.
func (h *Hosting) createMigrations() {
	p := h.props
	files, digest, err := MigrationFiles(p.Bundle.MigrationsDir)
	if err != nil {
		panic(err)
	}
	b := lambdabuild.MustBuild("migrate", lambdabuild.Layout{Files: files})
	id := lambdafn.NewIdentity(h.Construct, "Migrate", "MedBookings "+p.Environment+" database migrations",
		lambdafn.LogOptions{Name: "/aws/lambda/" + p.Prefix + "-migrate", Key: p.Key, Retention: p.LogRetention, RemovalPolicy: p.RemovalPolicy}, true)
	p.DatabaseSecret.GrantRead(id.Grantee(), nil)
	sg := awsec2.NewSecurityGroup(h.Construct, jsii.String("MigrateSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc: p.Vpc, Description: jsii.String("MedBookings " + p.Environment + " database migrations"), AllowAllOutbound: jsii.Bool(true),
	})
	p.Database.AllowFrom(sg, "PostgreSQL from the migrations")
	fn := id.NewFunction(h.Construct, "MigrateFunction", &lambdafn.Placement{Vpc: p.Vpc, Subnets: p.Subnets, SecurityGroup: sg}, &awslambda.FunctionProps{
		FunctionName: jsii.String(p.Prefix + "-migrate"),
		Description:  jsii.String("Applies the app's Prisma migrations (functions/migrate) before the new server takes traffic"),
		Code:         b.Code(),
		MemorySize:   jsii.Number(256),
		Timeout:      awscdk.Duration_Minutes(jsii.Number(15)),
	})
	compliance.Suppress(fn, map[string]string{
		"HIPAA.Security-LambdaConcurrency": "Invoked only by CloudFormation, once per deployment whose migrations changed; reserved concurrency would be taken from the account's pool for a function that runs minutes a month.",
		"HIPAA.Security-LambdaDLQ":         "A CloudFormation custom resource: its outcome is reported to CloudFormation, which fails and rolls back the deployment on error; nothing to replay.",
	})
	migrations := awscdk.NewCustomResource(h.Construct, jsii.String("Migrations"), &awscdk.CustomResourceProps{
		ServiceToken: fn.FunctionArn(),
		ResourceType: jsii.String("Custom::MedBookingsMigrations"),
		Properties: &map[string]any{
			"Host":             p.DatabaseInstance.DbInstanceEndpointAddress(),
			"Port":             p.DatabaseInstance.DbInstanceEndpointPort(),
			"Database":         p.DatabaseName,
			"Schema":           p.DatabaseSchema,
			"SecretArn":        p.DatabaseSecret.SecretArn(),
			"MigrationsDigest": digest,
			"CodeSha256":       b.SHA256,
		},
		// Migrations are never undone by deleting the stack.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	if p.DatabaseReady != nil {
		migrations.Node().AddDependency(p.DatabaseReady)
	}
	migrations.Node().AddDependency(sg)
	h.ServerFunction.Node().AddDependency(migrations)
}
