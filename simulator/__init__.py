"""Platform simulator: Genesys Cloud CX and NICE CXone over real HTTP on loopback (see README.md)."""
