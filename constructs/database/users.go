package database

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
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

	b := lambdabuild.MustBuild("dbroles", lambdabuild.Layout{})
	fn := d.rolesFunction(p, fnSG, b)
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

	rolesResource := roles.Node().DefaultChild().(awscdk.CfnResource)
	d.rotation(p, rolesResource, fnSG, "App", AppUsername, d.AppSecret, d.MasterSecret)
	d.rotation(p, rolesResource, fnSG, "ReadOnly", ReadOnlyUsername, d.ReadOnlySecret, nil)
}

// RotationFunctionName is the name of the rotation function of the "app"
// or "readonly" user's secret (<identifier>-rotate-<user>); its logs go
// to /aws/lambda/<name>.
func RotationFunctionName(identifier, user string) string {
	return identifier + "-rotate-" + user
}

// rotation creates the rotation function of one user's secret
// (functions/dbrotate: multi-user when master is given, single-user
// otherwise) and its monthly schedule. It is our own function, not AWS's
// hosted one: the hosted ones live in a nested stack of the
// AWS::SecretsManager transform whose roles cannot carry the environment's
// permissions boundary, and their single-user variant cannot rotate a user
// whose sessions are read-only (ALTER ROLE inside a read-only transaction).
func (d *Database) rotation(p Props, roles awscdk.CfnResource, sg awsec2.ISecurityGroup, id, username string, secret, master awssecretsmanager.ISecret) {
	b := lambdabuild.MustBuild("dbrotate", lambdabuild.Layout{})
	user, strategy := "readonly", "single-user"
	if master != nil {
		user, strategy = "app", "multi-user"
	}
	name := RotationFunctionName(p.Identifier, user)
	ident := lambdafn.NewIdentity(d.Construct, id+"Rotation", "MedBookings "+p.Description+" rotation of "+username+"'s secret",
		lambdafn.LogOptions{Name: "/aws/lambda/" + name, Key: d.Key, Retention: p.LogRetention, RemovalPolicy: p.SecretsRemovalPolicy}, true)
	ident.Policy.AddStatements(
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("RotateOwnSecret"),
			Actions: jsii.Strings("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
				"secretsmanager:UpdateSecretVersionStage"),
			Resources: jsii.Strings(*secret.SecretArn()),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("GeneratePasswords"), Actions: jsii.Strings("secretsmanager:GetRandomPassword"), Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("SecretsKey"), Actions: jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"), Resources: jsii.Strings(*d.Key.KeyArn()),
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"kms:ViaService": "secretsmanager." + *awscdk.Stack_Of(d.Construct).Region() + ".amazonaws.com",
			}},
		}),
	)
	if master != nil {
		ident.Policy.AddStatements(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("ReadMasterSecret"), Actions: jsii.Strings("secretsmanager:GetSecretValue"), Resources: jsii.Strings(*master.SecretArn()),
		}))
	}
	compliance.SuppressOnly(ident.Policy, "AwsSolutions-IAM5",
		"secretsmanager:GetRandomPassword takes no resource (it generates a string and touches no secret).", "Resource::*")
	fn := ident.NewFunction(d.Construct, id+"RotationFunction", &lambdafn.Placement{Vpc: p.Vpc, Subnets: p.FunctionSubnets, SecurityGroup: sg}, &awslambda.FunctionProps{
		FunctionName: jsii.String(name),
		Description:  jsii.String("Rotates the password of " + username + " (" + strategy + ", functions/dbrotate)"),
		Code:         b.Code(),
		// Each connection waits up to 30 s for an instance that is starting.
		Timeout:    awscdk.Duration_Minutes(jsii.Number(5)),
		MemorySize: jsii.Number(256),
		Environment: &map[string]*string{
			"EXCLUDE_CHARACTERS": jsii.String(passwordExclude),
			"ROTATION_STRATEGY":  jsii.String(strategy),
		},
	})
	compliance.Suppress(fn, map[string]string{
		"HIPAA.Security-LambdaConcurrency": "Invoked by Secrets Manager four times a month per secret; reserved concurrency would be taken from the account's pool for nothing.",
		"HIPAA.Security-LambdaDLQ":         "Secrets Manager invokes it synchronously and records a failed rotation on the secret (and retries); CloudTrail and the function's log have the failure, and the app keeps the current password. Nothing to replay.",
	})
	invoke := awslambda.NewCfnPermission(d.Construct, jsii.String(id+"RotationInvoke"), &awslambda.CfnPermissionProps{
		Action:        jsii.String("lambda:InvokeFunction"),
		FunctionName:  fn.FunctionArn(),
		Principal:     jsii.String("secretsmanager.amazonaws.com"),
		SourceAccount: awscdk.Stack_Of(d.Construct).Account(),
		SourceArn:     secret.SecretArn(),
	})
	// At <secret>/Rotation/Resource, where CDK's hosted rotation put it: the
	// same logical ID, so CloudFormation updates the schedule in place
	// (a new one beside the old would be cancelled by the old one's delete).
	holder := constructs.NewConstruct(secret.(constructs.Construct), jsii.String("Rotation"))
	rs := awssecretsmanager.NewCfnRotationSchedule(holder, jsii.String("Resource"), &awssecretsmanager.CfnRotationScheduleProps{
		SecretId:          secret.SecretArn(),
		RotationLambdaArn: fn.FunctionArn(),
		RotationRules: &awssecretsmanager.CfnRotationSchedule_RotationRulesProperty{
			ScheduleExpression: jsii.String(RotationSchedule), Duration: jsii.String("2h"),
		},
	})
	// Secrets Manager rotates at once when the schedule is created or
	// changed: only after the roles exist and it may invoke the function.
	rs.Node().AddDependency(roles, invoke, ident.Policy)
}

// rolesFunction is the Lambda behind the Roles custom resource.
func (d *Database) rolesFunction(p Props, sg awsec2.ISecurityGroup, b lambdabuild.Bundle) awslambda.Function {
	name := p.Identifier + "-db-roles"
	id := lambdafn.NewIdentity(d.Construct, "RolesFunction", "MedBookings "+p.Description+" database role custom resource",
		lambdafn.LogOptions{Name: "/aws/lambda/" + name, Key: d.Key, Retention: p.LogRetention, RemovalPolicy: p.SecretsRemovalPolicy}, true)
	// The three secrets, and the key only through Secrets Manager.
	d.MasterSecret.GrantRead(id.Grantee(), nil)
	d.AppSecret.GrantRead(id.Grantee(), nil)
	d.ReadOnlySecret.GrantRead(id.Grantee(), nil)
	return id.NewFunction(d.Construct, "RolesFunction", &lambdafn.Placement{Vpc: p.Vpc, Subnets: p.FunctionSubnets, SecurityGroup: sg}, &awslambda.FunctionProps{
		FunctionName: jsii.String(name),
		Description:  jsii.String("Creates the MedBookings application and read-only PostgreSQL roles (idempotent; never drops)"),
		Code:         b.Code(),
		Timeout:      awscdk.Duration_Minutes(jsii.Number(10)),
		MemorySize:   jsii.Number(256),
	})
}
