using System.Text;
using Distill.Oci;
using Distill.Reduce;

namespace Distill.Pipeline;

/// <summary>Maps the reduce stage's entries to the pack stage's: the two stages share no types, only this mapping.</summary>
internal static class PlanLayers
{
    public static LayerEntry ToLayerEntry(RootFsEntry entry) => entry.Kind switch
    {
        RootFsEntryKind.Directory => LayerEntry.Directory(entry.Path, entry.Mode),
        RootFsEntryKind.Symlink => LayerEntry.Symlink(entry.Path, entry.LinkTarget!),
        RootFsEntryKind.File when entry.Content is not null => LayerEntry.FromBytes(entry.Path, Encoding.UTF8.GetBytes(entry.Content), entry.Mode),
        RootFsEntryKind.File => new LayerEntry
        {
            Path = entry.Path,
            Kind = LayerEntryKind.File,
            Mode = entry.Mode,
            Size = entry.Size,
            Open = entry.OpenRead,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(entry)),
    };
}
