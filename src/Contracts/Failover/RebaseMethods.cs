namespace Conjur.EventSourced.Contracts.Failover;

/// <summary>How a replica came to follow a new master.</summary>
public static class RebaseMethods
{
    /// <summary>It had nothing the new master lacked and followed the new timeline as it was.</summary>
    public const string Followed = "followed";

    /// <summary>It had WAL the new master never had: rewound with pg_rewind, then followed.</summary>
    public const string Rewound = "rewound";

    /// <summary>pg_rewind could not help: the data directory was cloned again from the new master.</summary>
    public const string Cloned = "cloned";
}
