//! The odd multiples `G, 3G, …, 31G` of brainpoolP256r1's generator for `u1`'s NAF: affine,
//! coordinates in Montgomery form (`x·2^256 mod p`), 1 KB of flash.
//!
//! Generated: the test `the_g_table_is_the_odd_multiples_of_g` computes them with
//! RustCrypto's `bp256` and prints this table whenever it differs.

use super::point::Affine;

/// `(2i + 1)·G` at index `i`.
pub static G_ODD: [Affine; 16] = [
    Affine {
        x: [
            0x351fd10c, 0x27c0d92d, 0xb97cf30a, 0x80de4d9a, 0x6b892ad3, 0x704c311d, 0x9e119bdf,
            0x8e1f767a,
        ],
        y: [
            0xa0917a17, 0x9a4fe948, 0xcd950162, 0xa618f259, 0xdfbd8b03, 0x16fdf6e8, 0x026eb0a2,
            0x14eb78c6,
        ],
    },
    Affine {
        x: [
            0xfa406636, 0xaa507f5c, 0x886aa273, 0xe517f879, 0xa8eb1afa, 0x4f660096, 0x9755935e,
            0x8f8f3eec,
        ],
        y: [
            0x6297f4e2, 0x849dff28, 0xcd0ed256, 0x2bb4487e, 0xc6abd8ed, 0x8b19494d, 0x464340db,
            0x3516f65c,
        ],
    },
    Affine {
        x: [
            0x345c1284, 0xe74500cb, 0x134e92cf, 0x729f8232, 0x6686a595, 0xb9fcffbd, 0xe6838b67,
            0xa0ab5dda,
        ],
        y: [
            0xf9a5f7a4, 0x2a6ab774, 0x61dd9e56, 0x0f9d6092, 0x8b25b304, 0x5663e73d, 0xbd639ade,
            0x11742af4,
        ],
    },
    Affine {
        x: [
            0xf2fd1b8a, 0x01ce34a7, 0xd18dc9f7, 0x6edc83ee, 0xe2dd5f00, 0xbfeb8f85, 0x1fe3dda2,
            0x1e03b6ef,
        ],
        y: [
            0xd7366bf7, 0x49dc8184, 0x930a87db, 0x91225523, 0x6afc3baf, 0x5c283cba, 0x78fba28d,
            0x09de2cbc,
        ],
    },
    Affine {
        x: [
            0xf77b8821, 0xa4ea2b45, 0x8fa9bc50, 0x7a69e7e1, 0x9e035008, 0xf8c396e7, 0x6f4f43db,
            0x63c9a838,
        ],
        y: [
            0x362876a6, 0x8174716a, 0x049bae5c, 0xd8b9f0a4, 0xd5c671ef, 0xfde5604a, 0x21b4721f,
            0x84e49f6a,
        ],
    },
    Affine {
        x: [
            0xfceaa339, 0x74bf8246, 0xfa6486f3, 0xf3cf7204, 0xedac98a7, 0xc9009944, 0xbacc3348,
            0x11a9e27d,
        ],
        y: [
            0x307f4ab1, 0x1f19bf74, 0x3671c086, 0x15821bdb, 0xbe634c5c, 0x34a20009, 0x4ce431f6,
            0x4f6e11be,
        ],
    },
    Affine {
        x: [
            0x83c9c95e, 0xb2812617, 0x2c9e7c3e, 0x1c0e9206, 0x7d11072d, 0xc60e9a7f, 0x79879b49,
            0x8ac66c91,
        ],
        y: [
            0x1473fd6c, 0x0d8058c3, 0xfa62d061, 0x77480d4a, 0x1aebc5ff, 0x4cf615d4, 0x13df5fd5,
            0x3f04f1f7,
        ],
    },
    Affine {
        x: [
            0xc5e7e832, 0x2caa81c4, 0x3010ef7e, 0xb6bb1a3e, 0x34cf426c, 0xb7f04065, 0xbbc098a2,
            0x2097833e,
        ],
        y: [
            0xf6af51cc, 0x15e01042, 0xac4bbb9b, 0x60f4ba3a, 0x85817239, 0xe91961b7, 0x5363c415,
            0x6628b323,
        ],
    },
    Affine {
        x: [
            0x196e2e27, 0x2767ab03, 0x70342182, 0xef8bdb44, 0xcb3d64f0, 0xe23020ac, 0x165aff4f,
            0x19559810,
        ],
        y: [
            0x9745e8df, 0x27cfee61, 0x120a9820, 0xcbb56f7d, 0x4b051834, 0x9cd6da6b, 0x9a008d53,
            0xa8055fb1,
        ],
    },
    Affine {
        x: [
            0x82822b3d, 0xd0124f01, 0xc8680ac6, 0xc57c10b6, 0xd7ccecd2, 0xfa60ee47, 0x83155f4c,
            0x36d2215e,
        ],
        y: [
            0x69f39012, 0x1607c49d, 0x04a44798, 0xd2ec910e, 0xa3ee685a, 0xafac93d4, 0xb762f1fc,
            0x56d2b936,
        ],
    },
    Affine {
        x: [
            0x1a582ade, 0x7a8d3ac3, 0xb359f1d8, 0x37d8f386, 0x28c2db03, 0x3a6ac3cd, 0x3c61b4cb,
            0xa77b56cf,
        ],
        y: [
            0x21546b20, 0x7e7fdd0e, 0x823b4be6, 0x4e83f37f, 0x708a72e7, 0x9826d565, 0x8250214a,
            0x7cdb0be3,
        ],
    },
    Affine {
        x: [
            0x9a1e62a3, 0x31253075, 0x93dab9d6, 0x67dccdf8, 0x7b10cdd8, 0x4e1523d8, 0xc8b1e9c2,
            0x5eb29555,
        ],
        y: [
            0x19987c5f, 0xc50a7ca4, 0x2fdad1b3, 0x307ecba4, 0x4f3db907, 0x8672b97a, 0x6409fdbb,
            0x8a986f15,
        ],
    },
    Affine {
        x: [
            0xc6b7e18c, 0x648a8acc, 0x0756f833, 0xe3c3041e, 0x5fb04406, 0xe081d725, 0x1b32f528,
            0x94992f4d,
        ],
        y: [
            0xed812ff4, 0xc3f555d8, 0xcfcf8521, 0xc24685d7, 0x06ff9ba5, 0xe07c9c7e, 0x5c615019,
            0xa0cf403d,
        ],
    },
    Affine {
        x: [
            0x1aab6ac7, 0x0fdbb75a, 0x972159f2, 0x56724e68, 0x5f7f5f84, 0xc353e00f, 0x206a6c13,
            0x33eef9ff,
        ],
        y: [
            0x927288f3, 0xddacd2be, 0x8a242176, 0xf3d6d524, 0x22fb0e35, 0x901cf869, 0xb099c464,
            0x566d26df,
        ],
    },
    Affine {
        x: [
            0x9ddb3637, 0x98628a35, 0xc983aa44, 0xc936a511, 0xdbe4126a, 0x26bd58c4, 0x5780745f,
            0x998f8a8a,
        ],
        y: [
            0x93626da9, 0xfa690a41, 0xcdb4c90b, 0xf2a25e1e, 0x55a5479f, 0x2eef3d42, 0x3303243e,
            0x462847ec,
        ],
    },
    Affine {
        x: [
            0x87be0c89, 0xcb9693a2, 0xadffcc57, 0x958e83d2, 0x3f8262e4, 0x02352fca, 0x35b74eb4,
            0x73d8d51c,
        ],
        y: [
            0x78fad415, 0xb60ec74a, 0xe95443f6, 0xd86dad3e, 0x25c669b2, 0x349d2853, 0xa551ba89,
            0x34f55f5e,
        ],
    },
];
