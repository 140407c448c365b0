using Conjur.EventSourced.ControlPlane.Access;
using Conjur.EventSourced.ControlPlane.ClusterHistory;
using Conjur.EventSourced.ControlPlane.ClusterStatus;
using Conjur.EventSourced.ControlPlane.Failover;
using Conjur.EventSourced.ControlPlane.Heartbeats;
using Conjur.EventSourced.ControlPlane.NodeHistory;
using Conjur.EventSourced.ControlPlane.Retention;
using Conjur.EventSourced.Hosting.Services;
using Conjur.EventSourced.Hosting.Topology;
using JasperFx;
using JasperFx.Events;
using Marten;

namespace Conjur.EventSourced.ControlPlane.Storage;

/// <summary>The control plane's own Marten store: where it is and how it is laid out. Shared with the tests.</summary>
public static class ControlPlaneStore
{
    /// <summary>The password comes from the cluster's pgpass file, so it never sits in configuration or logs.</summary>
    public static string ConnectionString(ClusterConfig config) => new ControlPlaneDatabase(config).ConnectionString;

    /// <summary>Everything but the connection.</summary>
    public static void Configure(StoreOptions options)
    {
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        options.Events.StreamIdentity = StreamIdentity.AsString;
        // Quick append: versions are assigned in the database, so appends need no read of the stream first.
        options.Events.AppendMode = EventAppendMode.Quick;
        options.AddHeartbeatEvents();
        options.AddClusterStatusProjections();
        options.AddClusterHistoryEvents();
        options.AddFailoverDocuments();
        options.AddNodeHistoryProjection();
        options.AddRetentionEvents();
        options.AddApiAccessEvents();
    }
}
