using Conjur.EventSourced.NodeAgent.Secrets.Authz;

namespace Conjur.EventSourced.NodeAgent.Secrets.Policy;

/// <summary>Thrown inside a policy load's transaction when <see cref="PolicyAuthorization"/> refuses it, so nothing of it is kept.</summary>
public sealed class PolicyRefusedException(PolicyRefusal refusal) : Exception(refusal.Message)
{
    public PolicyRefusal Refusal { get; } = refusal;
}
