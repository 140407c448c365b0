namespace Conjur.EventSourced.NodeAgent.Secrets.Storage;

/// <summary>Another policy load of the account held it longer than <see cref="SecretsStore.LoadLockWait"/>.</summary>
public sealed class PolicyConflictException(string account)
    : Exception($"another policy load of account {account} was still running after {SecretsStore.LoadLockWait.TotalSeconds:0} s");
