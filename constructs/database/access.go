package database

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/compliance"
)

// AccessInstanceType is the break-glass instance's size: it only forwards
// one TCP connection.
const AccessInstanceType = "t4g.nano"

// AccessImageParameter is the public SSM parameter of the current Amazon
// Linux 2023 image for arm64.
const AccessImageParameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"

// createAccess creates what an operator needs to reach the private
// database (docs/database.md, "Connecting"): a launch template for a small
// instance in the function subnets that Session Manager can open a port
// forward through. Nothing runs until an operator launches it; the
// instance holds no credentials (the operator reads the secret with their
// own), runs no extra software, and is terminated after use.
func (d *Database) createAccess(p Props) {
	self := constructs.NewConstruct(d.Construct, jsii.String("Access"))
	sg := awsec2.NewSecurityGroup(self, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("MedBookings " + p.Description + " database access (break-glass)"),
		AllowAllOutbound: jsii.Bool(false),
	})
	// Session Manager's endpoints are HTTPS APIs reached through the NAT.
	sg.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("Session Manager (HTTPS, through the NAT)"), nil)
	sg.AddEgressRule(d.SecurityGroup, awsec2.Port_Tcp(jsii.Number(Port)), jsii.String("PostgreSQL"), nil)
	d.AllowFrom(sg, "break-glass access instance (Session Manager port forward)")

	role := awsiam.NewRole(self, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("MedBookings " + p.Description + " database access instance: Session Manager only"),
	})
	policy := awsiam.NewManagedPolicy(self, jsii.String("Policy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("Session Manager agent of the MedBookings " + p.Description + " database access instance"),
		Roles:       &[]awsiam.IRole{role},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("SessionManagerAgent"),
			Actions: jsii.Strings("ssm:UpdateInstanceInformation",
				"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
				"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"),
			Resources: jsii.Strings("*"),
		})},
	})
	compliance.SuppressOnly(policy, "AwsSolutions-IAM5",
		"The Session Manager agent's actions (the ones AmazonSSMManagedInstanceCore grants for sessions, without its parameter, document and inventory reads) support no resource-level permission; the instance can open sessions and nothing else.",
		"Resource::*")
	profile := awsiam.NewCfnInstanceProfile(self, jsii.String("InstanceProfile"), &awsiam.CfnInstanceProfileProps{
		Roles: &[]any{role.RoleName()},
	})
	subnets := p.Vpc.SelectSubnets(p.FunctionSubnets).SubnetIds
	template := awsec2.NewCfnLaunchTemplate(self, jsii.String("LaunchTemplate"), &awsec2.CfnLaunchTemplateProps{
		LaunchTemplateName: jsii.String(p.Identifier + "-access"),
		LaunchTemplateData: &awsec2.CfnLaunchTemplate_LaunchTemplateDataProperty{
			// EC2 resolves the parameter when the instance is launched: always
			// the current Amazon Linux 2023 image, and no template change
			// (no cdk diff) when a new one is published.
			ImageId:            jsii.String("resolve:ssm:" + AccessImageParameter),
			InstanceType:       jsii.String(AccessInstanceType),
			IamInstanceProfile: &awsec2.CfnLaunchTemplate_IamInstanceProfileProperty{Arn: profile.AttrArn()},
			MetadataOptions: &awsec2.CfnLaunchTemplate_MetadataOptionsProperty{
				HttpTokens: jsii.String("required"), HttpEndpoint: jsii.String("enabled"), HttpPutResponseHopLimit: jsii.Number(1),
			},
			NetworkInterfaces: &[]*awsec2.CfnLaunchTemplate_NetworkInterfaceProperty{{
				DeviceIndex:              jsii.Number(0),
				SubnetId:                 (*subnets)[0],
				Groups:                   &[]*string{sg.SecurityGroupId()},
				AssociatePublicIpAddress: jsii.Bool(false),
				DeleteOnTermination:      jsii.Bool(true),
			}},
			BlockDeviceMappings: &[]*awsec2.CfnLaunchTemplate_BlockDeviceMappingProperty{{
				DeviceName: jsii.String("/dev/xvda"),
				Ebs: &awsec2.CfnLaunchTemplate_EbsProperty{
					// The account's aws/ebs key: the volume holds an operating
					// system and nothing else, and lives for one session.
					Encrypted: jsii.Bool(true), VolumeType: jsii.String("gp3"),
					VolumeSize: jsii.Number(8), DeleteOnTermination: jsii.Bool(true),
				},
			}},
			InstanceInitiatedShutdownBehavior: jsii.String("terminate"),
			TagSpecifications: &[]*awsec2.CfnLaunchTemplate_TagSpecificationProperty{{
				ResourceType: jsii.String("instance"),
				Tags: &[]*awscdk.CfnTag{
					{Key: jsii.String("Name"), Value: jsii.String(p.Identifier + "-access")},
					{Key: jsii.String("Purpose"), Value: jsii.String("break-glass database access; terminate after use")},
				},
			}},
		},
	})
	d.AccessLaunchTemplate = template
}
