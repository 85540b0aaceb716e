package database

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdabuild"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdafn"
)

// passwordExclude keeps generated passwords to letters and digits, so a
// password can go into a postgresql:// URL without percent-encoding
// (30 characters of [A-Za-z0-9] are still about 178 bits).
const passwordExclude = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// RotationSchedule is when Secrets Manager rotates the application and
// read-only passwords: the 1st of every month, 04:00-06:00 UTC (06:00-08:00
// SAST), outside the backup and maintenance windows and while a stopped
// staging instance runs.
const RotationSchedule = "cron(0 4 1 * ? *)"

// PasswordGeneration names the current generation templates of the users'
// secrets. CloudFormation generates a new password when a secret's template
// changes, and the role custom resource sets the passwords again when this
// value changes: change it together with any change of the templates.
const PasswordGeneration = "2026-12 application secret with masterarn (alternating-user rotation)"

// RotationFunctionName is the name of the hosted rotation function of the
// "app" or "readonly" user's secret (<identifier>-<user>-rotation); its logs
// go to /aws/lambda/<name>.
func RotationFunctionName(identifier, user string) string {
	return identifier + "-" + user + "-rotation"
}

// createUsers creates the users' secrets, the custom resource that creates
// the roles in PostgreSQL, and their rotation.
//
// The application user rotates by alternating users: each rotation sets a
// new password on the user that is not current (medbookings_app or
// medbookings_app_clone) and makes it current, so the credentials a running
// server started with stay valid until the rotation after (a month later).
// The clone acts as medbookings_app in every session (functions/roles).
func (d *Database) createUsers(p Props) {
	self := d.Construct
	fnSG := awsec2.NewSecurityGroup(self, jsii.String("FunctionSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc: p.Vpc, Description: jsii.String("MedBookings " + p.Description + " database role and rotation functions"),
		AllowAllOutbound: jsii.Bool(true),
	})
	d.functionSecurityGroup = fnSG
	d.AllowFrom(fnSG, "PostgreSQL from the role and rotation functions")

	userSecret := func(cid, username string, master awssecretsmanager.ISecret) awssecretsmanager.ISecret {
		s := awsrds.NewDatabaseSecret(self, jsii.String(cid), &awsrds.DatabaseSecretProps{
			Username:          jsii.String(username),
			Dbname:            jsii.String(DatabaseName),
			EncryptionKey:     d.Key,
			ExcludeCharacters: jsii.String(passwordExclude),
			MasterSecret:      master,
		})
		s.ApplyRemovalPolicy(p.SecretsRemovalPolicy)
		return s.Attach(d.Instance.(awsrds.DatabaseInstance))
	}
	d.AppSecret = userSecret("AppSecret", AppUsername, d.MasterSecret)
	d.ReadOnlySecret = userSecret("ReadOnlySecret", ReadOnlyUsername, nil)

	fn := d.rolesFunction(p, fnSG)
	b, err := lambdabuild.Build("dbroles", lambdabuild.Layout{})
	if err != nil {
		panic(err)
	}
	instance := d.Instance
	roles := awscdk.NewCustomResource(self, jsii.String("Roles"), &awscdk.CustomResourceProps{
		ServiceToken: fn.FunctionArn(),
		ResourceType: jsii.String("Custom::MedBookingsDatabaseRoles"),
		Properties: &map[string]any{
			"Host":               instance.DbInstanceEndpointAddress(),
			"Port":               instance.DbInstanceEndpointPort(),
			"Database":           DatabaseName,
			"Schema":             AppSchema,
			"MasterSecretArn":    d.MasterSecret.SecretArn(),
			"AppSecretArn":       d.AppSecret.SecretArn(),
			"ReadOnlySecretArn":  d.ReadOnlySecret.SecretArn(),
			"AppUsername":        AppUsername,
			"ReadOnlyUsername":   ReadOnlyUsername,
			"PasswordGeneration": PasswordGeneration,
			// A new build of the function runs Ensure again (which changes
			// only what is missing); builds are reproducible.
			"CodeSha256": b.SHA256,
		},
		// Deleting the stack must not drop roles or data (the handler does
		// nothing on Delete anyway).
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	d.Ready = roles

	for _, r := range []struct {
		logID, user string
		secret      awssecretsmanager.ISecret
		hosted      func(name string) awssecretsmanager.HostedRotation
	}{
		{"AppRotationLogGroup", "app", d.AppSecret, func(name string) awssecretsmanager.HostedRotation {
			return awssecretsmanager.HostedRotation_PostgreSqlMultiUser(&awssecretsmanager.MultiUserHostedRotationOptions{
				MasterSecret: d.MasterSecret, ExcludeCharacters: jsii.String(passwordExclude), FunctionName: jsii.String(name),
				Vpc: p.Vpc, VpcSubnets: p.FunctionSubnets, SecurityGroups: &[]awsec2.ISecurityGroup{fnSG},
			})
		}},
		{"ReadOnlyRotationLogGroup", "readonly", d.ReadOnlySecret, func(name string) awssecretsmanager.HostedRotation {
			return awssecretsmanager.HostedRotation_PostgreSqlSingleUser(&awssecretsmanager.SingleUserHostedRotationOptions{
				ExcludeCharacters: jsii.String(passwordExclude), FunctionName: jsii.String(name),
				Vpc: p.Vpc, VpcSubnets: p.FunctionSubnets, SecurityGroups: &[]awsec2.ISecurityGroup{fnSG},
			})
		}},
	} {
		name := RotationFunctionName(p.Identifier, r.user)
		if len(name) > 64 {
			panic("database: rotation function name " + name + " is longer than 64 characters")
		}
		// The hosted rotation function is created by the SecretsManager
		// transform, outside this template. Its fixed name lets us create its
		// log group here (retention, key) before it first writes.
		logs := awslogs.NewLogGroup(self, jsii.String(r.logID), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String("/aws/lambda/" + name),
			Retention:     p.LogRetention,
			EncryptionKey: d.Key,
			RemovalPolicy: p.SecretsRemovalPolicy,
		})
		rs := r.secret.AddRotationSchedule(jsii.String("Rotation"), &awssecretsmanager.RotationScheduleOptions{
			HostedRotation:     r.hosted(name),
			AutomaticallyAfter: awscdk.Duration_Days(jsii.Number(30)),
		})
		// Rotate on a fixed monthly window, and only after the roles exist
		// and the log group does: the first rotation runs at once.
		cfn := rs.Node().DefaultChild().(awscdk.CfnResource)
		cfn.AddPropertyOverride(jsii.String("RotationRules"), map[string]any{"ScheduleExpression": RotationSchedule, "Duration": "2h"})
		rs.Node().AddDependency(roles, logs)
	}
}

// rolesFunction is the Lambda behind the Roles custom resource.
func (d *Database) rolesFunction(p Props, sg awsec2.ISecurityGroup) awslambda.Function {
	b, err := lambdabuild.Build("dbroles", lambdabuild.Layout{})
	if err != nil {
		panic(err)
	}
	id := lambdafn.NewIdentity(d.Construct, "RolesFunction", "MedBookings "+p.Description+" database role custom resource",
		lambdafn.LogOptions{Key: d.Key, Retention: p.LogRetention, RemovalPolicy: p.SecretsRemovalPolicy}, true)
	// The three secrets, and the key only through Secrets Manager.
	d.MasterSecret.GrantRead(id.Grantee(), nil)
	d.AppSecret.GrantRead(id.Grantee(), nil)
	d.ReadOnlySecret.GrantRead(id.Grantee(), nil)
	return awslambda.NewFunction(d.Construct, jsii.String("RolesFunction"), &awslambda.FunctionProps{
		Description:    jsii.String("Creates the MedBookings application and read-only PostgreSQL roles (idempotent; never drops)"),
		Runtime:        awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:   awslambda.Architecture_ARM_64(),
		Handler:        jsii.String("bootstrap"),
		Code:           awslambda.Code_FromAsset(jsii.String(b.Dir), nil),
		Timeout:        awscdk.Duration_Minutes(jsii.Number(10)),
		MemorySize:     jsii.Number(256),
		Role:           id.ExecutionRole(),
		LogGroup:       id.Logs,
		Vpc:            p.Vpc,
		VpcSubnets:     p.FunctionSubnets,
		SecurityGroups: &[]awsec2.ISecurityGroup{sg},
	})
}
