using System.Globalization;
using System.Text.RegularExpressions;

namespace Distill.Cli.Commands;

/// <summary>Kubernetes-style memory quantities: 64Mi, 1Gi, 500M, or plain bytes.</summary>
internal static partial class Quantity
{
    public static long? ParseOrNull(string? text, string option)
    {
        if (text is null)
            return null;
        var match = Pattern().Match(text.Trim());
        if (!match.Success)
            throw new DistillException($"{option}: '{text}' is not a memory quantity (examples: 64Mi, 1Gi, 500M)");
        var number = long.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        long factor = match.Groups["unit"].Value switch
        {
            "" => 1,
            "Ki" => 1L << 10, "Mi" => 1L << 20, "Gi" => 1L << 30,
            "K" or "k" => 1000, "M" => 1000_000, "G" => 1000_000_000,
            _ => throw new DistillException($"{option}: unknown unit in '{text}'"),
        };
        return checked(number * factor);
    }

    [GeneratedRegex("^(?<n>[0-9]{1,12})(?<unit>Ki|Mi|Gi|K|k|M|G)?$")]
    private static partial Regex Pattern();
}
