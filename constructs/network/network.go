// Package network is the VPC of one MedBookings environment: where the
// database lives (isolated subnets, no route out), where the server and
// our other functions run (private subnets, out through NAT), and the NAT
// itself (public subnets).
package network

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// NAT is how the private subnets reach the internet.
type NAT string

// The NAT kinds.
const (
	// NATGateway is one managed NAT gateway (about $0.048/h + $0.048/GB in
	// eu-west-1), in the first availability zone.
	NATGateway NAT = "gateway"
	// NATInstance is one t4g.nano EC2 instance with a public address (about
	// $0.0042/h + $0.005/h for the address): a tenth of the price, without
	// the gateway's managed failover.
	NATInstance NAT = "instance"
)

// CIDR is the VPC's address range. It may never change: every subnet, and
// with them the database, would be replaced.
const CIDR = "10.20.0.0/16"

// Subnet group names (and their order: the order gives the subnets their
// address ranges, 10.20.0.0/24 onwards, two per group).
const (
	// DataSubnets hold the database: isolated, no route out of the VPC.
	DataSubnets = "Data"
	// AppSubnets hold every function of ours: out to the internet through NAT.
	AppSubnets = "App"
	// IngressSubnets hold the NAT: a route to the internet gateway.
	IngressSubnets = "Ingress"
)

// Props configure the network.
type Props struct {
	// Description names the environment in resource descriptions ("staging").
	Description string
	// NAT is a gateway or an instance.
	NAT NAT
	// FlowLogGroupName names the flow log's log group ("" lets
	// CloudFormation name it).
	FlowLogGroupName string
	// FlowLogTraffic is what the VPC flow log records (ALL or REJECT).
	FlowLogTraffic awsec2.FlowLogTrafficType
	// LogKey encrypts the flow log group; LogRetention and LogRemovalPolicy
	// are the group's.
	LogKey           awskms.IKey
	LogRetention     awslogs.RetentionDays
	LogRemovalPolicy awscdk.RemovalPolicy
	// StopSchedule lists daily windows (UTC) in which the NAT instance is
	// stopped (the environment's database sleeps then); NAT instance only.
	StopSchedule []config.DailyWindow
	// SchedulePrefix begins the stop schedules' names (<prefix>-nat-stop-1).
	SchedulePrefix string
}

// Network is what the construct created.
type Network struct {
	constructs.Construct
	Vpc awsec2.IVpc
	// Data and App select the database's and the functions' subnets.
	Data, App *awsec2.SubnetSelection
	// NAT is the kind of NAT; NATIDs are the gateway or instance IDs.
	NAT    NAT
	NATIDs []*string
	// NATInstance is the NAT instance (nil with a gateway).
	NATInstance awsec2.Instance
	// FlowLogGroup receives the VPC flow log.
	FlowLogGroup awslogs.ILogGroup
}

// New creates the VPC: two availability zones, three subnet groups, one NAT,
// a flow log, and the free S3 gateway endpoint (the functions' S3 traffic
// does not pay for NAT).
func New(scope constructs.Construct, id string, p Props) *Network {
	if p.NAT != NATGateway && p.NAT != NATInstance {
		panic("network: Props.NAT must be NATGateway or NATInstance, got " + string(p.NAT))
	}
	if len(p.StopSchedule) > 0 && (p.NAT != NATInstance || p.SchedulePrefix == "") {
		panic("network: Props.StopSchedule needs NAT = NATInstance (a NAT gateway cannot be stopped) and a SchedulePrefix")
	}
	if p.FlowLogTraffic == "" || p.LogRemovalPolicy == "" || p.LogRetention == "" || p.LogKey == nil {
		panic("network: Props.FlowLogTraffic, LogRetention, LogRemovalPolicy and LogKey are required (CDK's defaults would silently keep every log forever)")
	}
	self := constructs.NewConstruct(scope, jsii.String(id))
	n := &Network{Construct: self, NAT: p.NAT}

	var provider awsec2.NatProvider
	var instanceProvider awsec2.NatInstanceProviderV2
	if p.NAT == NATGateway {
		provider = awsec2.NatProvider_Gateway(nil)
	} else {
		instanceProvider = awsec2.NatProvider_InstanceV2(&awsec2.NatInstanceProps{
			InstanceType: awsec2.NewInstanceType(jsii.String("t4g.nano")),
			MachineImage: awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{
				CpuType: awsec2.AmazonLinuxCpuType_ARM_64,
			}),
			AssociatePublicIpAddress: jsii.Bool(true),
			DefaultAllowedTraffic:    awsec2.NatTrafficDirection_OUTBOUND_ONLY,
		})
		provider = instanceProvider
	}
	subnets := []*awsec2.SubnetConfiguration{
		{Name: jsii.String(DataSubnets), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
		{Name: jsii.String(AppSubnets), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(24)},
		{Name: jsii.String(IngressSubnets), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24), MapPublicIpOnLaunch: jsii.Bool(false)},
	}
	vpc := awsec2.NewVpc(self, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses:         awsec2.IpAddresses_Cidr(jsii.String(CIDR)),
		MaxAzs:              jsii.Number(2),
		NatGateways:         jsii.Number(1),
		NatGatewayProvider:  provider,
		NatGatewaySubnets:   &awsec2.SubnetSelection{SubnetGroupName: jsii.String(IngressSubnets)},
		SubnetConfiguration: &subnets,
		// CDK would close the default security group with a Node.js custom
		// resource; nothing here uses that group (see the suppression).
		RestrictDefaultSecurityGroup: jsii.Bool(false),
	})
	n.Vpc = vpc
	n.Data = &awsec2.SubnetSelection{SubnetGroupName: jsii.String(DataSubnets)}
	n.App = &awsec2.SubnetSelection{SubnetGroupName: jsii.String(AppSubnets)}
	if instanceProvider != nil {
		// The instance forwards HTTPS from inside the VPC (every outside
		// service the functions call is an HTTPS API), nothing else, and
		// nothing reaches it from outside the VPC.
		instanceProvider.Connections().AllowFrom(awsec2.Peer_Ipv4(jsii.String(CIDR)), awsec2.Port_Tcp(jsii.Number(443)),
			jsii.String("HTTPS from inside the VPC, to be forwarded"))
		n.NATInstance = (*instanceProvider.GatewayInstances())[0]
	}
	for _, g := range *provider.ConfiguredGateways() {
		n.NATIDs = append(n.NATIDs, g.GatewayId)
	}

	vpc.AddGatewayEndpoint(jsii.String("S3Endpoint"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(),
		Subnets: &[]*awsec2.SubnetSelection{n.App},
	})

	n.createFlowLog(p)
	if len(p.StopSchedule) > 0 {
		n.stopNAT(p)
	}

	compliance.Suppress(vpc, map[string]string{
		"HIPAA.Security-VPCDefaultSecurityGroupClosed": "Nothing in this VPC uses the default security group: the database, every function and the NAT instance have their own. Closing it would need CDK's Node.js custom resource (another Lambda with an AWS-managed policy) for no reduction of exposure.",
	})
	for _, sub := range *vpc.PublicSubnets() {
		compliance.Suppress(sub, map[string]string{
			"HIPAA.Security-VPCNoUnrestrictedRouteToIGW": "The Ingress subnets hold only the NAT (gateway or instance): the route to the internet gateway is what NAT is for. The database is in the Data subnets, which have no route out of the VPC; the functions are in the App subnets, which reach the internet only through the NAT.",
		})
	}
	if n.NATInstance != nil {
		hardenNATInstance(n.NATInstance)
	}
	return n
}

// hardenNATInstance encrypts the NAT instance's root volume, requires
// IMDSv2, and records the findings a NAT instance cannot avoid.
func hardenNATInstance(i awsec2.Instance) {
	awscdk.Aspects_Of(i).Add(awsec2.NewInstanceRequireImdsv2Aspect(nil), nil)
	cfn := i.Node().DefaultChild().(awsec2.CfnInstance)
	cfn.SetBlockDeviceMappings([]any{&awsec2.CfnInstance_BlockDeviceMappingProperty{
		DeviceName: jsii.String("/dev/xvda"),
		Ebs: &awsec2.CfnInstance_EbsProperty{
			Encrypted: jsii.Bool(true), VolumeType: jsii.String("gp3"), VolumeSize: jsii.Number(8), DeleteOnTermination: jsii.Bool(true),
		},
	}})
	compliance.Suppress(i, map[string]string{
		"HIPAA.Security-EC2InstancesInVPC":                    "The NAT instance is in the VPC: its network interface is in the first Ingress subnet (CDK puts the subnet on the interface, where this rule does not look, because the instance has a public address).",
		"HIPAA.Security-EC2InstanceNoPublicIp":                "A NAT instance needs a public address: it is how the App subnets reach the internet. Its security group admits nothing from outside the VPC.",
		"AwsSolutions-EC28":                                   "A NAT instance forwards packets; detailed (1-minute) monitoring would cost more than the instance. The NAT alarm watches its status checks.",
		"HIPAA.Security-EC2InstanceDetailedMonitoringEnabled": "A NAT instance forwards packets; detailed (1-minute) monitoring would cost more than the instance. The NAT alarm watches its status checks.",
		"AwsSolutions-EC29":                                   "The NAT instance holds no data: replacing it (a new deploy, or stop/start) loses nothing, so termination protection and an Auto Scaling group add nothing; staging only (production has a NAT gateway). EC2's automatic recovery (on by default for t4g) restarts it on failed hardware; the Nat alarm reports failed status checks.",
	})
}

// createFlowLog sends the VPC's flow logs to an encrypted log group kept
// for the environment's retention.
func (n *Network) createFlowLog(p Props) {
	var groupName *string
	if p.FlowLogGroupName != "" {
		groupName = jsii.String(p.FlowLogGroupName)
	}
	logs := awslogs.NewLogGroup(n.Construct, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		LogGroupName: groupName, Retention: p.LogRetention, EncryptionKey: p.LogKey, RemovalPolicy: p.LogRemovalPolicy,
	})
	role := awsiam.NewRole(n.Construct, jsii.String("FlowLogRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("vpc-flow-logs.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(n.Construct).Account()},
		}),
		Description: jsii.String("Writes the " + p.Description + " VPC's flow logs"),
	})
	policy := awsiam.NewManagedPolicy(n.Construct, jsii.String("FlowLogPolicy"), &awsiam.ManagedPolicyProps{
		Roles: &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
			Resources: jsii.Strings(*logs.LogGroupArn()),
		})},
	})
	flowLog := n.Vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(logs, role.WithoutPolicyUpdates(nil)),
		TrafficType: p.FlowLogTraffic,
	})
	// The role gets its permissions from a separate managed policy; without
	// this the flow log can be created first and its first deliveries fail.
	flowLog.Node().AddDependency(policy)
	n.FlowLogGroup = logs
}
