// Package aws holds poolguard's CloudFormation stack (poolguard.yaml: ECS
// Fargate behind an HTTPS Application Load Balancer, ElastiCache, Secrets
// Manager). Its tests lint the template with cfn-lint and load the config
// the stack generates for every combination of its switches.
package aws
