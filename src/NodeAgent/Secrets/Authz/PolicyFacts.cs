namespace Conjur.EventSourced.NodeAgent.Secrets.Authz;

/// <summary>
/// What a policy load finds in the store, gathered inside its transaction: every record the document names that
/// exists, and every policy above those up to the root (so whether a record is managed within the target policy
/// can be walked from <see cref="ExistingRecord.Policy"/> to parent). <see cref="LackingUpdate"/> is, for a PUT,
/// how many records managed within the target the caller holds no <c>update</c> on.
/// </summary>
public sealed record PolicyFacts(IReadOnlyDictionary<string, ExistingRecord> Records, int LackingUpdate = 0)
{
    public static PolicyFacts Of(params ExistingRecord[] records) =>
        new(records.ToDictionary(r => r.Id, StringComparer.Ordinal));
}

/// <summary>A role or resource that exists: its owner, the policy that manages it (declared it), its annotations.</summary>
public sealed record ExistingRecord(string Id, string Owner, string Policy)
{
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
}
