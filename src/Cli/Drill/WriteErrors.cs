using System.Net.Sockets;
using Npgsql;

namespace Conjur.EventSourced.Cli.Drill;

/// <summary>Sorts a failed write into a <see cref="WriteErrorClass"/> by walking the exception and its causes.</summary>
public static class WriteErrors
{
    public static string Name(WriteErrorClass c) => c switch
    {
        WriteErrorClass.ReadOnly => "read-only",
        WriteErrorClass.Refused => "refused",
        WriteErrorClass.Reset => "reset",
        WriteErrorClass.Timeout => "timeout",
        _ => "other",
    };

    public static WriteErrorClass Classify(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (Decide(e) is { } c)
            {
                return c;
            }
        }
        return WriteErrorClass.Other;
    }

    private static WriteErrorClass? Decide(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState switch
        {
            "25006" => WriteErrorClass.ReadOnly,             // read_only_sql_transaction
            "57P03" => WriteErrorClass.Refused,              // cannot_connect_now: starting up, shutting down, in recovery
            "57P01" or "57P02" => WriteErrorClass.Reset,     // admin_shutdown, crash_shutdown: the server ended the session
            "57014" => WriteErrorClass.Timeout,              // query_canceled: our command timeout fired
            _ when pg.SqlState.StartsWith("08", StringComparison.Ordinal) => WriteErrorClass.Reset, // connection_exception
            _ => WriteErrorClass.Other,
        },
        TimeoutException => WriteErrorClass.Timeout,
        SocketException s => s.SocketErrorCode switch
        {
            SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable
                or SocketError.AddressNotAvailable => WriteErrorClass.Refused,
            SocketError.TimedOut => WriteErrorClass.Timeout,
            _ => WriteErrorClass.Reset,
        },
        // The peer closed the stream: the load balancer with no master behind it accepts and closes at once,
        // and a killed server's socket ends the same way.
        EndOfStreamException => WriteErrorClass.Reset,
        IOException io when io.InnerException is null => WriteErrorClass.Reset,
        NpgsqlException n when n.InnerException is null && n.Message.Contains("timeout", StringComparison.OrdinalIgnoreCase) => WriteErrorClass.Timeout,
        _ => null,
    };
}
