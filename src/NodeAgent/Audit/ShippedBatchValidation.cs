using System.Text.RegularExpressions;
using Conjur.EventSourced.Hosting.Security;

namespace Conjur.EventSourced.NodeAgent.Audit;

/// <summary>
/// Checks a shipped batch before anything is stored: all or nothing. Error messages name the record's
/// index and the field and rule, never the value (a value could be anything a client sent, and an
/// error message ends up in logs). A record made by <see cref="AuditRecord.From"/> always passes (its
/// fields are fitted where it is made), so a refusal here means a bug on one side or a record from an
/// older version: the sender quarantines it and goes on (see <see cref="AuditShipper"/>).
/// </summary>
public static partial class ShippedBatchValidation
{
    public const int MaxRecords = 1000;
    public const int MaxFieldLength = AuditFields.MaxLength;

    [GeneratedRegex("^[!-~]{1,32}$")]
    private static partial Regex MessageIdShape();

    public static IReadOnlyList<string> Errors(ShippedBatch? batch)
    {
        var errors = new List<string>();
        if (batch is null)
        {
            return ["the body must be a JSON object with 'origin' and 'records'"];
        }
        if (batch.Origin is null || !NodeKeys.IsNodeId(batch.Origin))
        {
            errors.Add("'origin' must be a node id (a lower-case letter, then letters, digits or '_')");
        }
        var records = batch.Records;
        if (records is null || records.Count == 0)
        {
            errors.Add("'records' must be a non-empty array");
            return errors;
        }
        if (records.Count > MaxRecords)
        {
            errors.Add($"'records' holds {records.Count} records: at most {MaxRecords} per batch");
            return errors;
        }
        long previous = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var r = records[i];
            if (r is null)
            {
                errors.Add($"records[{i}] must be an object");
                continue;
            }
            if (r.Sequence <= 0)
            {
                errors.Add($"records[{i}].sequence must be a positive integer");
            }
            else if (r.Sequence <= previous)
            {
                errors.Add($"records[{i}].sequence must be greater than the one before it (sequences ascend, without repeats)");
            }
            previous = Math.Max(previous, r.Sequence);
            if (r.Timestamp is null)
            {
                errors.Add($"records[{i}].timestamp is required");
            }
            if (r.MessageId is null || !MessageIdShape().IsMatch(r.MessageId))
            {
                errors.Add($"records[{i}].messageId is required: 1 to 32 printable ASCII characters without spaces");
            }
            if (r.Success is null)
            {
                errors.Add($"records[{i}].success is required (true or false)");
            }
            Required(errors, i, "operation", r.Operation);
            Required(errors, i, "message", r.Message);
            Optional(errors, i, "user", r.User);
            Optional(errors, i, "subject", r.Subject);
            Optional(errors, i, "authenticator", r.Authenticator);
            Optional(errors, i, "service", r.Service);
            Optional(errors, i, "clientIp", r.ClientIp);
            if (errors.Count >= 20)
            {
                errors.Add("(further errors not listed)");
                break;
            }
        }
        return errors;
    }

    public static IReadOnlyList<AuditRecord> ToRecords(ShippedBatch batch) =>
        batch.Records!.Select(r => new AuditRecord
        {
            Origin = batch.Origin!,
            Sequence = r.Sequence,
            Timestamp = r.Timestamp!.Value.ToUniversalTime(),
            MessageId = r.MessageId!,
            Operation = r.Operation!,
            Success = r.Success!.Value,
            Message = r.Message!,
            User = r.User,
            Subject = r.Subject,
            Authenticator = r.Authenticator,
            Service = r.Service,
            ClientIp = r.ClientIp,
        }).ToList();

    private static void Required(List<string> errors, int i, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"records[{i}].{field} is required");
        }
        else
        {
            Optional(errors, i, field, value);
        }
    }

    private static void Optional(List<string> errors, int i, string field, string? value)
    {
        if (value is { Length: > MaxFieldLength })
        {
            errors.Add($"records[{i}].{field} is longer than {MaxFieldLength} characters");
        }
        else if (value is not null && AuditFields.HasUnstorable(value))
        {
            errors.Add($"records[{i}].{field} holds a NUL or an unpaired surrogate, which the audit database cannot store");
        }
    }
}
