"""What every job shares: listing input files, writing outputs atomically under a lock, decoding images, the console, picture grids."""
