// Package database is the PostgreSQL 16 database of one MedBookings
// environment: an RDS instance in the isolated subnets of the environment's
// VPC, its key, parameters and log groups, the application and read-only
// users (created by a custom resource, rotated by Secrets Manager), and the
// stop schedule of an environment that sleeps. See docs/database.md.
package database

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Names inside PostgreSQL. The application connects as AppUsername (or, after
// a rotation, its clone AppUsername+"_clone") with `?schema=medbookings`.
const (
	DatabaseName     = "medbookings"
	AppSchema        = "medbookings"
	MasterUsername   = "medbookings_admin"
	AppUsername      = "medbookings_app"
	ReadOnlyUsername = "medbookings_readonly"
	Port             = 5432
)

// MaxIdentifierLength keeps the names derived from Props.Identifier (the
// longest: <identifier>-rotate-readonly) within Lambda's 64 characters.
const MaxIdentifierLength = 64 - len("-rotate-readonly")

// InstanceClasses are the classes this project allows, with their memory in
// MiB (the basis of PostgreSQL's default max_connections on RDS).
var InstanceClasses = map[string]int{
	"db.t4g.micro":   1024,
	"db.t4g.small":   2048,
	"db.t4g.medium":  4096,
	"db.t4g.large":   8192,
	"db.t4g.xlarge":  16384,
	"db.t4g.2xlarge": 32768,
	"db.m7g.large":   8192,
	"db.m7g.xlarge":  16384,
	"db.r7g.large":   16384,
	"db.r7g.xlarge":  32768,
}

// EstimatedMaxConnections is RDS PostgreSQL's default max_connections,
// LEAST(DBInstanceClassMemory/9531392, 5000), for an instance class.
// DBInstanceClassMemory is the memory left after the OS and RDS processes,
// a good deal below the nominal size, so this counts 75% of nominal: on the
// conservative side, for the connection alarm and the server's concurrency.
func EstimatedMaxConnections(class string) int {
	mib, ok := InstanceClasses[class]
	if !ok {
		return 0
	}
	return min(int(int64(mib)*1024*1024*3/4/9531392), 5000)
}

// Props configure one environment's database.
type Props struct {
	// Identifier is the RDS instance identifier (medbookings-<environment>);
	// it also names the log groups and the rotation functions.
	Identifier string
	// Description names the environment in descriptions ("staging").
	Description string
	// Key encrypts the storage, snapshots, Performance Insights, the
	// secrets and the log groups. It must be retained: the snapshot taken
	// when the instance is deleted cannot be restored without it.
	Key awskms.IKey
	// Vpc and Subnets place the instance (isolated subnets); FunctionSubnets
	// place the role and rotation functions (subnets with a route out: they
	// call Secrets Manager).
	Vpc             awsec2.IVpc
	Subnets         *awsec2.SubnetSelection
	FunctionSubnets *awsec2.SubnetSelection
	// InstanceClass is one of InstanceClasses.
	InstanceClass string
	MultiAZ       bool
	// AllocatedStorageGiB is the initial gp3 size, MaxAllocatedStorageGiB
	// the ceiling of storage autoscaling.
	AllocatedStorageGiB, MaxAllocatedStorageGiB int
	BackupRetention                             awscdk.Duration
	BackupWindow                                config.DailyWindow
	MaintenanceWindow                           config.WeeklyWindow
	DeletionProtection                          bool
	// RemovalPolicy of the instance (SNAPSHOT or RETAIN).
	RemovalPolicy awscdk.RemovalPolicy
	// SecretsRemovalPolicy is the users' secrets' and the log groups'.
	SecretsRemovalPolicy awscdk.RemovalPolicy
	LogRetention         awslogs.RetentionDays
	// SlowStatementThresholdMs logs statements that run longer.
	SlowStatementThresholdMs int
	// MonitoringInterval of Enhanced Monitoring; nil turns it off.
	MonitoringInterval awscdk.Duration
	// StopSchedule lists daily windows in which the instance is stopped.
	StopSchedule []config.DailyWindow
}

// Database is what the construct created.
type Database struct {
	constructs.Construct
	Instance awsrds.IDatabaseInstance
	// SecurityGroup guards port 5432; AllowFrom opens it to a client.
	SecurityGroup awsec2.ISecurityGroup
	// MasterSecret is RDS-managed (break-glass only); AppSecret is the
	// application user's (rotated between AppUsername and its clone), and
	// ReadOnlySecret is medbookings_readonly's. The user secrets hold host,
	// port, dbname, username and password.
	MasterSecret, AppSecret, ReadOnlySecret awssecretsmanager.ISecret
	// Key is Props.Key.
	Key awskms.IKey
	// Ready is done when the roles and the application schema exist.
	Ready constructs.IDependable
	// PostgresLogGroup receives the exported postgresql log.
	PostgresLogGroup awslogs.ILogGroup
	// MaxConnections is the instance's estimated max_connections.
	MaxConnections int
	// AccessLaunchTemplate launches the break-glass instance an operator
	// forwards a PostgreSQL port through (docs/database.md, "Connecting").
	AccessLaunchTemplate awsec2.CfnLaunchTemplate

	functionSecurityGroup awsec2.ISecurityGroup
}

// AllowFrom opens port 5432 to the security groups of peer (a function in
// the VPC), and to nothing else.
func (d *Database) AllowFrom(peer awsec2.IConnectable, description string) {
	d.Instance.Connections().AllowFrom(peer, awsec2.Port_Tcp(jsii.Number(Port)), jsii.String(description))
}

// New creates the database of one environment.
func New(scope constructs.Construct, id string, p Props) *Database {
	p.check()
	self := constructs.NewConstruct(scope, jsii.String(id))
	d := &Database{Construct: self, MaxConnections: EstimatedMaxConnections(p.InstanceClass), Key: p.Key}
	d.createInstance(p)
	d.createUsers(p)
	d.createAccess(p)
	if len(p.StopSchedule) > 0 {
		stopSchedule(self, d.Instance, p)
	}
	d.suppress(p)
	return d
}

func (p Props) check() {
	var problems []string
	if p.Identifier == "" || p.Key == nil || p.Vpc == nil || p.Subnets == nil || p.FunctionSubnets == nil || p.BackupRetention == nil {
		problems = append(problems, "Identifier, Key, Vpc, Subnets, FunctionSubnets and BackupRetention are required")
	}
	if len(p.Identifier) > MaxIdentifierLength {
		problems = append(problems, fmt.Sprintf("Identifier %q is longer than %d characters (it begins function names of at most 64)", p.Identifier, MaxIdentifierLength))
	}
	if _, ok := InstanceClasses[p.InstanceClass]; !ok {
		problems = append(problems, fmt.Sprintf("InstanceClass %q is not one of InstanceClasses", p.InstanceClass))
	}
	if p.AllocatedStorageGiB < 20 || p.MaxAllocatedStorageGiB <= p.AllocatedStorageGiB {
		problems = append(problems, fmt.Sprintf("storage %d GiB up to %d GiB: at least 20, and a ceiling above it", p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB))
	}
	if p.MaintenanceWindow.OverlapsDaily(p.BackupWindow) {
		problems = append(problems, "the maintenance window overlaps the backup window")
	}
	for _, w := range p.StopSchedule {
		if w.Overlaps(p.BackupWindow) {
			problems = append(problems, "a stop window covers the backup window (a stopped instance takes no backups)")
		}
	}
	if len(problems) > 0 {
		panic("database.New: " + strings.Join(problems, "; "))
	}
}

// Parameters are the instance's PostgreSQL parameters besides the slow
// statement threshold: TLS forced, SCRAM passwords, connection and lock
// logging, and no bind parameter values in the log (they are patient data:
// a slow or failing statement is logged with its text only).
var Parameters = map[string]string{
	"rds.force_ssl":                     "1",
	"password_encryption":               "scram-sha-256",
	"log_connections":                   "1",
	"log_disconnections":                "1",
	"log_lock_waits":                    "1",
	"log_temp_files":                    "10240",
	"log_parameter_max_length":          "0",
	"log_parameter_max_length_on_error": "0",
}

func (d *Database) createInstance(p Props) {
	self := d.Construct
	sg := awsec2.NewSecurityGroup(self, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("MedBookings " + p.Description + " PostgreSQL"),
		AllowAllOutbound: jsii.Bool(false),
	})
	engine := awsrds.DatabaseInstanceEngine_Postgres(&awsrds.PostgresInstanceEngineProps{
		Version: awsrds.PostgresEngineVersion_VER_16_13(),
	})
	params := map[string]*string{"log_min_duration_statement": jsii.String(fmt.Sprint(p.SlowStatementThresholdMs))}
	for k, v := range Parameters {
		params[k] = jsii.String(v)
	}
	parameterGroup := awsrds.NewParameterGroup(self, jsii.String("Parameters"), &awsrds.ParameterGroupProps{
		Engine:      engine,
		Description: jsii.String("MedBookings " + p.Description + " PostgreSQL 16"),
		Parameters:  &params,
	})
	// Created before the instance so that RDS exports into them (with the
	// retention and key set here) instead of creating its own.
	logGroup := func(cid, name string) awslogs.LogGroup {
		return awslogs.NewLogGroup(self, jsii.String(cid), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String("/aws/rds/instance/" + p.Identifier + "/" + name),
			Retention:     p.LogRetention,
			EncryptionKey: d.Key,
			RemovalPolicy: p.SecretsRemovalPolicy,
		})
	}
	pgLogs := logGroup("PostgresLogGroup", "postgresql")
	upgradeLogs := logGroup("UpgradeLogGroup", "upgrade")

	// Enhanced Monitoring's role, trusted by RDS on behalf of this account
	// only (CDK's own has no source condition).
	var monitoringRole awsiam.IRole
	if p.MonitoringInterval != nil {
		monitoringRole = awsiam.NewRole(self, jsii.String("MonitoringRole"), &awsiam.RoleProps{
			AssumedBy: awsiam.NewServicePrincipal(jsii.String("monitoring.rds.amazonaws.com"), nil).WithConditions(&map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(self).Account()},
			}),
			Description:     jsii.String("RDS Enhanced Monitoring of " + p.Identifier),
			ManagedPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AmazonRDSEnhancedMonitoringRole"))},
		})
	}
	instance := awsrds.NewDatabaseInstance(self, jsii.String("Instance"), &awsrds.DatabaseInstanceProps{
		MonitoringRole:                  monitoringRole,
		Engine:                          engine,
		InstanceIdentifier:              jsii.String(p.Identifier),
		InstanceType:                    awsec2.NewInstanceType(jsii.String(strings.TrimPrefix(p.InstanceClass, "db."))),
		Vpc:                             p.Vpc,
		VpcSubnets:                      p.Subnets,
		SecurityGroups:                  &[]awsec2.ISecurityGroup{sg},
		PubliclyAccessible:              jsii.Bool(false),
		Port:                            jsii.Number(Port),
		MultiAz:                         jsii.Bool(p.MultiAZ),
		DatabaseName:                    jsii.String(DatabaseName),
		Credentials:                     awsrds.Credentials_FromUsername(jsii.String(MasterUsername), &awsrds.CredentialsFromUsernameOptions{EncryptionKey: d.Key}),
		ManageMasterUserPassword:        jsii.Bool(true),
		ParameterGroup:                  parameterGroup,
		StorageType:                     awsrds.StorageType_GP3,
		AllocatedStorage:                jsii.Number(float64(p.AllocatedStorageGiB)),
		MaxAllocatedStorage:             jsii.Number(float64(p.MaxAllocatedStorageGiB)),
		StorageEncrypted:                jsii.Bool(true),
		StorageEncryptionKey:            d.Key,
		CaCertificate:                   awsrds.CaCertificate_RDS_CA_RSA2048_G1(),
		AutoMinorVersionUpgrade:         jsii.Bool(true),
		AllowMajorVersionUpgrade:        jsii.Bool(false),
		BackupRetention:                 p.BackupRetention,
		PreferredBackupWindow:           jsii.String(p.BackupWindow.String()),
		PreferredMaintenanceWindow:      jsii.String(p.MaintenanceWindow.String()),
		CopyTagsToSnapshot:              jsii.Bool(true),
		DeleteAutomatedBackups:          jsii.Bool(false),
		DeletionProtection:              jsii.Bool(p.DeletionProtection),
		RemovalPolicy:                   p.RemovalPolicy,
		EnablePerformanceInsights:       jsii.Bool(true),
		DatabaseInsightsMode:            awsrds.DatabaseInsightsMode_STANDARD,
		PerformanceInsightEncryptionKey: d.Key,
		PerformanceInsightRetention:     awsrds.PerformanceInsightRetention_DEFAULT,
		MonitoringInterval:              p.MonitoringInterval,
		CloudwatchLogsExports:           jsii.Strings("postgresql", "upgrade"),
		IamAuthentication:               jsii.Bool(true),
	})
	instance.Node().AddDependency(pgLogs, upgradeLogs)
	d.Instance, d.SecurityGroup, d.PostgresLogGroup, d.MasterSecret = instance, sg, pgLogs, instance.Secret()
}
