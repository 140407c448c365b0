namespace Conjur.EventSourced.NodeAgent.Secrets.Storage;

public sealed class AccountExistsException(string account) : Exception($"account '{account}' already exists");
