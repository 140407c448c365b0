namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>
/// Whole-cluster tests run one class at a time: two clusters starting together on a 2-core machine
/// would only make each other slow.
/// </summary>
[CollectionDefinition("clusters", DisableParallelization = true)]
public sealed class ClustersCollection;
