//! Tests that pin bugs fixed in accord-tlog, one per bug, each named after what it guards and
//! saying what went wrong. A new fix adds its test here (see HACKING.md).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: failing loudly is the point

use accord_tlog::merkle::{MemoryHashStore, ProofError, leaf_hash};
use accord_tlog::tiles::{Tile, read_tile_data};

/// Bug (a091a0b): a tile path naming a tile past any 64-bit tree (`tile/63/000`, a level-0
/// index near 2^64) overflowed computing its first leaf; it is an error now.
#[test]
fn tiles_beyond_any_tree_are_errors_not_panics() {
    let store = MemoryHashStore::from_leaf_hashes([leaf_hash(b"a")]);
    for path in [
        "tile/63/000",
        "tile/8/000",
        "tile/7/001",
        "tile/0/x018/x446/x744/x073/x709/x551/615",
    ] {
        let tile = Tile::parse(path).unwrap();
        assert_eq!(tile.start_leaf(), None, "{path}");
        assert!(matches!(
            read_tile_data(&store, &tile),
            Err(ProofError::TileOutOfRange { .. })
        ));
    }
    assert_eq!(Tile::parse("tile/7/000").unwrap().start_leaf(), Some(0));
    assert_eq!(
        Tile::parse("tile/1/002").unwrap().start_leaf(),
        Some(2 * 65_536)
    );
    assert_eq!(
        Tile::parse("tile/entries/003").unwrap().start_leaf(),
        Some(768)
    );
}
