package database

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/lambdabuild"
)

// Names inside PostgreSQL. The application connects as AppUsername with
// `?schema=medbookings` (Prisma) — the schema it owns.
const (
	DatabaseName     = "medbookings"
	AppSchema        = "medbookings"
	MasterUsername   = "medbookings_admin"
	AppUsername      = "medbookings_app"
	ReadOnlyUsername = "medbookings_readonly"
	Port             = 5432
)

// passwordExclude keeps generated passwords to letters and digits, so a
// password can go into a postgresql:// URL without percent-encoding
// (30 characters of [A-Za-z0-9] are still about 178 bits).
const passwordExclude = " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// rotationSchedule is when Secrets Manager rotates the application and
// read-only passwords: the 1st of every month, 04:00-06:00 UTC (06:00-08:00
// SAST) — outside the backup and maintenance windows and while the staging
// instance runs.
const rotationSchedule = "cron(0 4 1 * ? *)"

// Props configure one environment's database.
type Props struct {
	Config Config
	// EnvironmentName ("staging", "production") names the instance
	// (medbookings-<name>), and with it its log groups.
	EnvironmentName string
	// ClientSecurityGroup may reach port 5432 in private mode (ignored in
	// public mode). It must belong to this construct's VPC (Database.Vpc),
	// which does not exist before the construct does: leave it nil and the
	// construct creates one (Database.ClientSecurityGroup) for the compute
	// that runs in the VPC to use.
	ClientSecurityGroup awsec2.ISecurityGroup
}

// Database is what the construct created.
type Database struct {
	constructs.Construct
	Instance       awsrds.IDatabaseInstance
	Endpoint       *string
	Port           *string
	DatabaseName   *string
	SecurityGroup  awsec2.ISecurityGroup
	Vpc            awsec2.IVpc
	MasterSecret   awssecretsmanager.ISecret
	AppSecret      awssecretsmanager.ISecret
	ReadOnlySecret awssecretsmanager.ISecret
	// PostgresLogGroup receives the exported postgresql log (30 days).
	PostgresLogGroup awslogs.ILogGroup
	// MaxConnections is a conservative estimate of the instance's default
	// max_connections (see EstimatedMaxConnections).
	MaxConnections         int
	MaxAllocatedStorageGiB int
	Key                    awskms.IKey
	// AppSchema is the schema the application role owns.
	AppSchema string
	// ClientSecurityGroup is, in private exposure, the group whose members
	// may reach port 5432 (Props.ClientSecurityGroup or one created here);
	// nil in public exposure.
	ClientSecurityGroup awsec2.ISecurityGroup
}

// GrantAppSecretRead lets grantee read the application user's secret at run
// time (and decrypt it with the database key) — what the hosting compute
// role needs so that a rotated password is picked up without a rebuild.
func (d *Database) GrantAppSecretRead(grantee awsiam.IGrantable) awsiam.Grant {
	g := d.AppSecret.GrantRead(grantee, nil)
	// Also in the grantee's own policy (not only the key policy), so that the
	// grant holds wherever the grantee's role is defined.
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("kms:Decrypt"),
		ResourceArns: jsii.Strings(*d.Key.KeyArn()),
		Conditions: &map[string]*map[string]any{"StringEquals": {
			"kms:ViaService": "secretsmanager." + *awscdk.Stack_Of(d.Key).Region() + ".amazonaws.com",
		}},
	})
	return g
}

// EstimatedMaxConnections is RDS PostgreSQL's default max_connections,
// LEAST(DBInstanceClassMemory/9531392, 5000), for an instance class.
// DBInstanceClassMemory is the memory left after the OS and RDS processes,
// a good deal below the nominal size, so this counts 75% of nominal: on
// the conservative side, for the connection alarms.
func EstimatedMaxConnections(class string) int {
	mib, ok := InstanceClasses[class]
	if !ok {
		return 0
	}
	n := int(int64(mib) * 1024 * 1024 * 3 / 4 / 9531392)
	return min(n, 5000)
}

// RotationFunctionName is the name of the hosted rotation function of the
// "app" or "readonly" user's secret in an environment
// (medbookings-<env>-<user>-rotation); its logs go to /aws/lambda/<name>.
func RotationFunctionName(environment, user string) string {
	return "medbookings-" + environment + "-" + user + "-rotation"
}

// NewDatabase creates the database of one environment.
func NewDatabase(scope constructs.Construct, id *string, props *Props) *Database {
	c := props.Config
	public := c.Exposure == "public"
	if props.EnvironmentName == "" {
		panic("database: Props.EnvironmentName is required")
	}
	self := constructs.NewConstruct(scope, id)
	stack := awscdk.Stack_Of(self)
	instanceID := "medbookings-" + props.EnvironmentName
	retain := awscdk.RemovalPolicy_DESTROY
	if c.RetainSecretsAndLogs {
		retain = awscdk.RemovalPolicy_RETAIN
	}

	// --- Encryption key: storage, Performance Insights, secrets, logs. ---
	key := awskms.NewKey(self, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("MedBookings " + props.EnvironmentName + " database: storage, snapshots, Performance Insights, secrets and logs"),
		Alias:             jsii.String("alias/medbookings/" + props.EnvironmentName + "/database"),
		EnableKeyRotation: jsii.Bool(true),
		// Always retained: the snapshot taken when the instance is deleted is
		// encrypted with this key and cannot be restored without it.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		PendingWindow: awscdk.Duration_Days(jsii.Number(30)),
	})
	logsPrincipal := awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{logsPrincipal},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", *stack.Partition(), *stack.Region(), *stack.Account()),
		}},
	}), jsii.Bool(true))

	// --- Network. ---
	// Public mode needs public subnets (an internet gateway route) for the
	// publicly accessible endpoint; private mode has isolated subnets only.
	subnetConfig := []*awsec2.SubnetConfiguration{
		{Name: jsii.String("Isolated"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
	}
	if public {
		subnetConfig = append([]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24), MapPublicIpOnLaunch: jsii.Bool(false)},
		}, subnetConfig...)
	}
	vpc := awsec2.NewVpc(self, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:         awsec2.IpAddresses_Cidr(jsii.String("10.20.0.0/16")),
		MaxAzs:              jsii.Number(2),
		NatGateways:         jsii.Number(0),
		SubnetConfiguration: &subnetConfig,
		// CDK would close the default security group with a Node.js custom
		// resource; nothing here uses that group (see suppress).
		RestrictDefaultSecurityGroup: jsii.Bool(false),
	})
	flowLogs := awslogs.NewLogGroup(self, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_MONTH, EncryptionKey: key, RemovalPolicy: retain,
	})
	flowRole := awsiam.NewRole(self, jsii.String("FlowLogRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("vpc-flow-logs.amazonaws.com"), nil),
		Description: jsii.String("Writes the database VPC's flow logs"),
	})
	awsiam.NewManagedPolicy(self, jsii.String("FlowLogPolicy"), &awsiam.ManagedPolicyProps{
		Roles: &[]awsiam.IRole{flowRole},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
			Resources: jsii.Strings(*flowLogs.LogGroupArn()),
		})},
	})
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, flowRole.WithoutPolicyUpdates(nil)),
		TrafficType: awsec2.FlowLogTrafficType_ALL,
	})
	sg := awsec2.NewSecurityGroup(self, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("MedBookings " + props.EnvironmentName + " PostgreSQL (" + c.Exposure + ")"),
		AllowAllOutbound: jsii.Bool(false),
	})
	subnets := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	var lambdaSG, clientSG awsec2.ISecurityGroup
	if public {
		subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC}
		for _, cidr := range c.AllowedCidrs {
			peer := awsec2.Peer_Ipv4(jsii.String(cidr))
			if p, err := netip.ParsePrefix(cidr); err == nil && p.Addr().Is6() {
				peer = awsec2.Peer_Ipv6(jsii.String(cidr))
			}
			sg.AddIngressRule(peer, awsec2.Port_Tcp(jsii.Number(Port)), jsii.String("PostgreSQL from "+cidr+" (public exposure; TLS and SCRAM enforced)"), nil)
		}
	} else {
		clientSG = props.ClientSecurityGroup
		if clientSG == nil {
			clientSG = awsec2.NewSecurityGroup(self, jsii.String("ClientSecurityGroup"), &awsec2.SecurityGroupProps{
				Vpc: vpc, Description: jsii.String("Clients of the MedBookings " + props.EnvironmentName + " database (private exposure)"),
				AllowAllOutbound: jsii.Bool(true),
			})
		}
		sg.AddIngressRule(clientSG, awsec2.Port_Tcp(jsii.Number(Port)), jsii.String("PostgreSQL from the application's security group"), nil)
		// The role and rotation functions run in the isolated subnets; they
		// reach Secrets Manager through an interface endpoint and the
		// CloudFormation response bucket through the (free) S3 gateway.
		lambdaSG = awsec2.NewSecurityGroup(self, jsii.String("FunctionSecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc: vpc, Description: jsii.String("MedBookings database role and rotation functions"), AllowAllOutbound: jsii.Bool(true),
		})
		sg.AddIngressRule(lambdaSG, awsec2.Port_Tcp(jsii.Number(Port)), jsii.String("PostgreSQL from the role and rotation functions"), nil)
		endpointSG := awsec2.NewSecurityGroup(self, jsii.String("EndpointSecurityGroup"), &awsec2.SecurityGroupProps{
			Vpc: vpc, Description: jsii.String("Secrets Manager endpoint of the MedBookings database VPC"), AllowAllOutbound: jsii.Bool(false),
		})
		endpointSG.AddIngressRule(lambdaSG, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from the role and rotation functions"), nil)
		vpc.AddInterfaceEndpoint(jsii.String("SecretsManagerEndpoint"), &awsec2.InterfaceVpcEndpointOptions{
			Service: awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER(),
			Subnets: subnets, PrivateDnsEnabled: jsii.Bool(true),
			Open: jsii.Bool(false), SecurityGroups: &[]awsec2.ISecurityGroup{endpointSG},
		})
		vpc.AddGatewayEndpoint(jsii.String("S3Endpoint"), &awsec2.GatewayVpcEndpointOptions{
			Service: awsec2.GatewayVpcEndpointAwsService_S3(),
			Subnets: &[]*awsec2.SubnetSelection{subnets},
		})
	}

	// --- Engine and parameters. ---
	engine := awsrds.DatabaseInstanceEngine_Postgres(&awsrds.PostgresInstanceEngineProps{
		Version: awsrds.PostgresEngineVersion_VER_16_13(),
	})
	params := awsrds.NewParameterGroup(self, jsii.String("Parameters"), &awsrds.ParameterGroupProps{
		Engine:      engine,
		Description: jsii.String("MedBookings " + props.EnvironmentName + " PostgreSQL 16"),
		Parameters: &map[string]*string{
			"rds.force_ssl":              jsii.String("1"),
			"password_encryption":        jsii.String("scram-sha-256"),
			"log_connections":            jsii.String("1"),
			"log_disconnections":         jsii.String("1"),
			"log_min_duration_statement": jsii.String(fmt.Sprint(c.SlowStatementThresholdMs)),
			"log_lock_waits":             jsii.String("1"),
			"log_temp_files":             jsii.String("10240"),
		},
	})

	// --- Log groups, created before the instance so RDS exports into them
	// (with the retention and key set here) instead of creating its own. ---
	logGroup := func(cid, name string) awslogs.LogGroup {
		return awslogs.NewLogGroup(self, jsii.String(cid), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String("/aws/rds/instance/" + instanceID + "/" + name),
			Retention:     awslogs.RetentionDays_ONE_MONTH,
			EncryptionKey: key,
			RemovalPolicy: retain,
		})
	}
	pgLogs := logGroup("PostgresLogGroup", "postgresql")
	upgradeLogs := logGroup("UpgradeLogGroup", "upgrade")

	removal := awscdk.RemovalPolicy_SNAPSHOT
	if c.RemovalPolicy == "retain" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	instance := awsrds.NewDatabaseInstance(self, jsii.String("Instance"), &awsrds.DatabaseInstanceProps{
		Engine:                          engine,
		InstanceIdentifier:              jsii.String(instanceID),
		InstanceType:                    awsec2.NewInstanceType(jsii.String(strings.TrimPrefix(c.InstanceClass, "db."))),
		Vpc:                             vpc,
		VpcSubnets:                      subnets,
		SecurityGroups:                  &[]awsec2.ISecurityGroup{sg},
		PubliclyAccessible:              jsii.Bool(public),
		Port:                            jsii.Number(Port),
		MultiAz:                         jsii.Bool(c.MultiAz),
		DatabaseName:                    jsii.String(DatabaseName),
		Credentials:                     awsrds.Credentials_FromUsername(jsii.String(MasterUsername), &awsrds.CredentialsFromUsernameOptions{EncryptionKey: key}),
		ManageMasterUserPassword:        jsii.Bool(true),
		ParameterGroup:                  params,
		StorageType:                     awsrds.StorageType_GP3,
		AllocatedStorage:                jsii.Number(float64(c.AllocatedStorageGiB)),
		MaxAllocatedStorage:             jsii.Number(float64(c.MaxAllocatedStorageGiB)),
		StorageEncrypted:                jsii.Bool(true),
		StorageEncryptionKey:            key,
		CaCertificate:                   awsrds.CaCertificate_RDS_CA_RSA2048_G1(),
		AutoMinorVersionUpgrade:         jsii.Bool(true),
		AllowMajorVersionUpgrade:        jsii.Bool(false),
		BackupRetention:                 awscdk.Duration_Days(jsii.Number(float64(c.BackupRetentionDays))),
		PreferredBackupWindow:           jsii.String(c.BackupWindow),
		PreferredMaintenanceWindow:      jsii.String(c.MaintenanceWindow),
		CopyTagsToSnapshot:              jsii.Bool(true),
		DeleteAutomatedBackups:          jsii.Bool(false),
		DeletionProtection:              jsii.Bool(c.DeletionProtection),
		RemovalPolicy:                   removal,
		EnablePerformanceInsights:       jsii.Bool(true),
		PerformanceInsightEncryptionKey: key,
		PerformanceInsightRetention:     awsrds.PerformanceInsightRetention_DEFAULT,
		MonitoringInterval:              awscdk.Duration_Seconds(jsii.Number(60)),
		CloudwatchLogsExports:           jsii.Strings("postgresql", "upgrade"),
		IamAuthentication:               jsii.Bool(true),
	})
	instance.Node().AddDependency(pgLogs, upgradeLogs)
	master := instance.Secret()

	// --- Application and read-only users. ---
	userSecret := func(cid, username string) awssecretsmanager.ISecret {
		s := awsrds.NewDatabaseSecret(self, jsii.String(cid), &awsrds.DatabaseSecretProps{
			Username:          jsii.String(username),
			Dbname:            jsii.String(DatabaseName),
			EncryptionKey:     key,
			ExcludeCharacters: jsii.String(passwordExclude),
		})
		s.ApplyRemovalPolicy(retain)
		return s.Attach(instance)
	}
	appSecret := userSecret("AppSecret", AppUsername)
	roSecret := userSecret("ReadOnlySecret", ReadOnlyUsername)

	fn := rolesFunction(self, key, retain, public, vpc, subnets, lambdaSG,
		[]*string{master.SecretArn(), appSecret.SecretArn(), roSecret.SecretArn()})
	b, err := lambdabuild.Build("dbroles", lambdabuild.Layout{})
	if err != nil {
		panic(err)
	}
	rolesCR := awscdk.NewCustomResource(self, jsii.String("Roles"), &awscdk.CustomResourceProps{
		ServiceToken: fn.FunctionArn(),
		ResourceType: jsii.String("Custom::MedBookingsDatabaseRoles"),
		Properties: &map[string]any{
			"Host":              instance.DbInstanceEndpointAddress(),
			"Port":              instance.DbInstanceEndpointPort(),
			"Database":          DatabaseName,
			"Schema":            AppSchema,
			"MasterSecretArn":   master.SecretArn(),
			"AppSecretArn":      appSecret.SecretArn(),
			"ReadOnlySecretArn": roSecret.SecretArn(),
			"AppUsername":       AppUsername,
			"ReadOnlyUsername":  ReadOnlyUsername,
			// A new build of the function re-runs Ensure (which changes only
			// what is missing); the build is reproducible, so this is stable.
			"CodeSha256": b.SHA256,
		},
		// Deleting the stack must not drop roles or data (the handler does
		// nothing on Delete anyway).
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	for _, s := range []struct {
		logID, name string
		secret      awssecretsmanager.ISecret
	}{
		{"AppRotationLogGroup", RotationFunctionName(props.EnvironmentName, "app"), appSecret},
		{"ReadOnlyRotationLogGroup", RotationFunctionName(props.EnvironmentName, "readonly"), roSecret},
	} {
		// The hosted rotation function is created by the SecretsManager
		// transform, outside this template. A fixed name lets us create its
		// log group here (30 days, CMK) before it first writes, instead of
		// Lambda creating an unencrypted, never-expiring one.
		if len(s.name) > 64 {
			panic("database: rotation function name " + s.name + " is longer than 64 characters")
		}
		rotLogs := awslogs.NewLogGroup(self, jsii.String(s.logID), &awslogs.LogGroupProps{
			LogGroupName:  jsii.String("/aws/lambda/" + s.name),
			Retention:     awslogs.RetentionDays_ONE_MONTH,
			EncryptionKey: key,
			RemovalPolicy: retain,
		})
		opts := &awssecretsmanager.SingleUserHostedRotationOptions{
			ExcludeCharacters: jsii.String(passwordExclude),
			FunctionName:      jsii.String(s.name),
		}
		if !public {
			opts.Vpc, opts.VpcSubnets, opts.SecurityGroups = vpc, subnets, &[]awsec2.ISecurityGroup{lambdaSG}
		}
		rs := s.secret.AddRotationSchedule(jsii.String("Rotation"), &awssecretsmanager.RotationScheduleOptions{
			HostedRotation:     awssecretsmanager.HostedRotation_PostgreSqlSingleUser(opts),
			AutomaticallyAfter: awscdk.Duration_Days(jsii.Number(30)),
		})
		// Rotate on a fixed monthly window (see rotationSchedule), and only
		// after the role exists: the first rotation runs at once.
		cfn := rs.Node().DefaultChild().(awscdk.CfnResource)
		cfn.AddPropertyOverride(jsii.String("RotationRules"), map[string]any{
			"ScheduleExpression": rotationSchedule, "Duration": "2h",
		})
		// The schedule's creation triggers the first rotation (the function's
		// first log write): the log group must exist by then.
		rs.Node().AddDependency(rolesCR, rotLogs)
	}

	if c.NightlyStop.Enabled {
		nightlyStop(self, instance, instanceID, c.NightlyStop)
	}

	d := &Database{
		Construct:              self,
		Instance:               instance,
		Endpoint:               instance.DbInstanceEndpointAddress(),
		Port:                   instance.DbInstanceEndpointPort(),
		DatabaseName:           jsii.String(DatabaseName),
		SecurityGroup:          sg,
		Vpc:                    vpc,
		MasterSecret:           master,
		AppSecret:              appSecret,
		ReadOnlySecret:         roSecret,
		PostgresLogGroup:       pgLogs,
		MaxConnections:         EstimatedMaxConnections(c.InstanceClass),
		MaxAllocatedStorageGiB: c.MaxAllocatedStorageGiB,
		Key:                    key,
		AppSchema:              AppSchema,
		ClientSecurityGroup:    clientSG,
	}
	suppress(self, vpc, sg, instance, fn, c, public)
	return d
}

// rolesFunction is the Lambda behind the Roles custom resource.
func rolesFunction(scope constructs.Construct, key awskms.IKey, retain awscdk.RemovalPolicy, public bool,
	vpc awsec2.IVpc, subnets *awsec2.SubnetSelection, sg awsec2.ISecurityGroup, secretArns []*string) awslambda.Function {
	b, err := lambdabuild.Build("dbroles", lambdabuild.Layout{})
	if err != nil {
		panic(err)
	}
	logs := awslogs.NewLogGroup(scope, jsii.String("RolesFunctionLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_MONTH, EncryptionKey: key, RemovalPolicy: retain,
	})
	role := awsiam.NewRole(scope, jsii.String("RolesFunctionRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("MedBookings database role custom resource"),
	})
	// A customer-managed policy (not inline), scoped to this function's log
	// group, the three secrets and the key (through Secrets Manager only).
	awsiam.NewManagedPolicy(scope, jsii.String("RolesFunctionPolicy"), &awsiam.ManagedPolicyProps{
		Roles: &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
				Resources: jsii.Strings(*logs.LogGroupArn()),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
				Resources: &secretArns,
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:    jsii.Strings("kms:Decrypt"),
				Resources:  jsii.Strings(*key.KeyArn()),
				Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + *awscdk.Stack_Of(scope).Region() + ".amazonaws.com"}},
			}),
		},
	})
	props := &awslambda.FunctionProps{
		Description:  jsii.String("Creates the MedBookings application and read-only PostgreSQL roles (idempotent; never drops)"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(b.Dir), nil),
		Timeout:      awscdk.Duration_Minutes(jsii.Number(10)),
		MemorySize:   jsii.Number(256),
		Role:         role.WithoutPolicyUpdates(nil),
		LogGroup:     logs,
	}
	if !public {
		props.Vpc, props.VpcSubnets, props.SecurityGroups = vpc, subnets, &[]awsec2.ISecurityGroup{sg}
	}
	return awslambda.NewFunction(scope, jsii.String("RolesFunction"), props)
}

// nightlyStop stops the instance at StopAt and starts it at StartAt (UTC)
// with EventBridge Scheduler; its role may only stop and start this instance.
func nightlyStop(scope constructs.Construct, instance awsrds.DatabaseInstance, instanceID string, n NightlyStop) {
	role := awsiam.NewRole(scope, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil),
		Description: jsii.String("Stops and starts the MedBookings " + instanceID + " database on schedule"),
	})
	awsiam.NewManagedPolicy(scope, jsii.String("SchedulerPolicy"), &awsiam.ManagedPolicyProps{
		Roles: &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("rds:StopDBInstance", "rds:StartDBInstance"),
			Resources: jsii.Strings(*instance.InstanceArn()),
		})},
	})
	for _, s := range []struct{ id, action, at, verb string }{
		{"StopSchedule", "stopDBInstance", n.StopAt, "Stops"},
		{"StartSchedule", "startDBInstance", n.StartAt, "Starts"},
	} {
		hh, mm, _ := strings.Cut(s.at, ":")
		awsscheduler.NewCfnSchedule(scope, jsii.String(s.id), &awsscheduler.CfnScheduleProps{
			Description:                jsii.String(s.verb + " the " + instanceID + " database daily at " + s.at + " UTC"),
			ScheduleExpression:         jsii.String(fmt.Sprintf("cron(%d %d * * ? *)", atoi(mm), atoi(hh))),
			ScheduleExpressionTimezone: jsii.String("UTC"),
			FlexibleTimeWindow:         &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
			State:                      jsii.String("ENABLED"),
			Target: &awsscheduler.CfnSchedule_TargetProperty{
				Arn:     jsii.String("arn:aws:scheduler:::aws-sdk:rds:" + s.action),
				RoleArn: role.RoleArn(),
				Input:   jsii.String(`{"DbInstanceIdentifier":"` + instanceID + `"}`),
				RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
					MaximumRetryAttempts: jsii.Number(3), MaximumEventAgeInSeconds: jsii.Number(3600),
				},
			},
		})
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// suppress records the compliance findings this design accepts, each on the
// narrowest construct, with the reason.
func suppress(self constructs.Construct, vpc awsec2.Vpc, sg awsec2.SecurityGroup, instance awsrds.DatabaseInstance,
	fn awslambda.Function, c Config, public bool) {
	compliance.Suppress(vpc, map[string]string{
		"HIPAA.Security-VPCDefaultSecurityGroupClosed": "Nothing in this VPC uses the default security group: the database, the role function, the rotation functions and the endpoint each have their own group. Closing it would need CDK's Node.js custom resource (another Lambda with an AWS-managed policy) for no reduction of exposure.",
	})
	if public {
		for _, sub := range *vpc.PublicSubnets() {
			compliance.Suppress(sub, map[string]string{
				"HIPAA.Security-VPCNoUnrestrictedRouteToIGW": "Public exposure (docs/database.md): the publicly accessible RDS endpoint answers clients on the internet (Amplify Hosting SSR has no VPC and no fixed egress addresses), which needs the 0.0.0.0/0 route to the internet gateway. Only the database is in these subnets and its security group admits only port 5432.",
			})
		}
		compliance.Suppress(sg, map[string]string{
			"AwsSolutions-EC23": "Public exposure (docs/database.md): Amplify Hosting SSR compute has no VPC and no published egress addresses, so port 5432 (only that port) is open to the ranges in context (allowedCidrs). TLS is forced (rds.force_ssl=1), passwords are SCRAM-SHA-256, generated (30 alphanumeric characters) and rotated monthly, the master user is never used by the app.",
		})
		awscdk.Validations_Of(sg).Acknowledge(&awscdk.Acknowledgment{
			Id:     jsii.String("CloudFormation-Validate::W2508"),
			Reason: jsii.String("Public exposure (docs/database.md): Amplify Hosting SSR has no VPC and no fixed egress addresses, so 5432 is open to allowedCidrs; TLS forced, SCRAM, generated and rotated credentials."),
		})
		awscdk.Validations_Of(instance).Acknowledge(&awscdk.Acknowledgment{
			Id:     jsii.String("CloudFormation-Validate::W9011"),
			Reason: jsii.String("Public exposure (docs/database.md): the only way Amplify Hosting SSR compute can reach the database without a NAT gateway or VPC connectivity."),
		})
		compliance.Suppress(fn, map[string]string{
			"HIPAA.Security-LambdaInsideVPC": "Public exposure has no NAT gateway or Secrets Manager endpoint in the VPC (cost); outside the VPC the function reaches Secrets Manager and the database's public, TLS-only endpoint. In private exposure it runs inside the VPC.",
		})
	}
	compliance.Suppress(fn, map[string]string{
		"HIPAA.Security-LambdaConcurrency": "Invoked only by CloudFormation, once per deployment that changes its inputs. Reserved concurrency would be taken from the account's unreserved pool, which new accounts (limit 10, minimum unreserved 10) cannot give, and would fail the deployment.",
		"HIPAA.Security-LambdaDLQ":         "A CloudFormation custom resource: every invocation's outcome is reported to CloudFormation (the stack operation fails and rolls back on error) and logged to its KMS-encrypted log group; a dead-letter queue would hold events nobody can replay.",
	})
	if !public {
		compliance.Suppress(fn, map[string]string{
			"AwsSolutions-IAM4": "AWSLambdaVPCAccessExecutionRole, added by CDK for a function in a VPC, only manages the function's network interfaces (ec2:CreateNetworkInterface and friends), which have no resource-level scoping.",
		})
	}
	rds := map[string]string{
		"AwsSolutions-RDS11":             "Port 5432 is kept: a non-default port hides nothing from a scan of the (public) endpoint and every client, Prisma included, would need it configured. Exposure is limited by the security group, TLS and SCRAM credentials instead.",
		"HIPAA.Security-RDSInBackupPlan": "Recovery uses RDS automated backups with point-in-time recovery (retention from context, 7 days or more; RPO 5 min) and a final snapshot on delete and replacement; an AWS Backup plan would duplicate them at extra cost.",
	}
	if public {
		rds["HIPAA.Security-RDSInstancePublicAccess"] = "Public exposure (docs/database.md): Amplify Hosting SSR compute cannot run in a VPC and has no fixed addresses, so the endpoint is public; TLS is forced, only port 5432 is open, credentials are generated, SCRAM-hashed and rotated, and the master user is not used by the app."
	}
	if !c.MultiAz {
		rds["AwsSolutions-RDS3"] = "Staging runs single-AZ by design (cost; requirement FR-2.1); production is Multi-AZ (multiAz in context)."
		rds["HIPAA.Security-RDSMultiAZSupport"] = rds["AwsSolutions-RDS3"]
	}
	if !c.DeletionProtection {
		rds["AwsSolutions-RDS10"] = "Staging is meant to be torn down and rebuilt; it still takes a final snapshot on delete (removalPolicy). Production has deletion protection (deletionProtection in context)."
		rds["HIPAA.Security-RDSInstanceDeletionProtectionEnabled"] = rds["AwsSolutions-RDS10"]
	}
	compliance.Suppress(instance, rds)
	compliance.Suppress(instance.Node().FindChild(jsii.String("MonitoringRole")), map[string]string{
		"AwsSolutions-IAM4": "AmazonRDSEnhancedMonitoringRole is the AWS-managed policy RDS documents for enhanced monitoring; it only lets RDS write the RDSOSMetrics log group.",
	})
}
