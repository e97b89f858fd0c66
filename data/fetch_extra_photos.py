"""Fetch 137 more real photographs from Debian packages: pets, food, birds, people, rooms, robots, boards.

    python data/fetch_extra_photos.py --dest data/downloads
    python data/holdout_photos.py --source data/downloads/extra-photos

Thirty-four Debian packages (Debian 12 unless named), each .deb pinned by its sha256 (a
different file is an error) and downloaded from the pool of the Debian mirror apt uses, then
only unpacked, never installed. Each one's copyright file (Debian's, in the COPYRIGHT folder)
names the photos taken or covers them with a Files: entry, or each photo carries its own
licence file:

- plasma-avatars/ (19): the user pictures of KDE Plasma (plasma-workspace-data), each with a
  .license file beside it (kept in the COPYRIGHT folder) naming its photographer, CC0-1.0,
  and its Pexels page: a hot-air balloon, books, brushes, a light bulb, a car, a cat, a
  chameleon, a cocktail on a beach, a dog, a goldfish, a gamepad, an owl, pancakes, a
  parrot, pencils, a space shuttle, a football, a sunflower, sushi. Not Astronaut.png, grey
  in all but name (nine in ten pixels under chroma 10).
- efl/ (8): the test images of the Enlightenment libraries (libelementary-data, Debian 13;
  Files: *, the Enlightenment developers, BSD-2-clause): a dog in two photos, ivy on a wall,
  a man with a fish poster, four skies. Not the wood, metal and stone textures, the animated
  WebP nor the 9000-pixel test image.
- zoph/ (2): the backgrounds of the photo organiser Zoph (Files: *, GPL-2+): a fir shoot, a
  dahlia.
- tagua/ (4): the wallpapers of the board game Tagua (tagua-data), which its copyright file
  names one by one (GPL): a cat in a box, Mont Blanc, a sunset, a lake under clouds.
- pysolfc/ (2): the photos among PySolFC's table backgrounds (Debian 13; Files: *, GPL-3+): a
  leaf, a mountain lake. Not the Milky Way (grey in all but name), the misty forest (blue
  all over), the moonlit and planet scenes (composites), the felts, weaves and fractals.
- libvips/ (1): owl.jpg of libvips' documentation (libvips-doc; Files: *, LGPL-2.1).
- rmagick/ (4): the example photos of RMagick's documentation (ruby-rmagick-doc; Files: *,
  MIT): a ballerina, a cheetah, hot-air balloons, red rocks. The others are under 240 pixels.
- jquery-ui/ (4): the High Tatras photos of jQuery UI's droppable demo (libjs-jquery-ui-docs;
  Files: *, Expat): peaks, a mountain hut, hikers. Not their thumbnails.
- petsc/ (4): the portraits of PETSc developers in its documentation (petsc3.18-doc; Files: *,
  BSD-2-clause). Not its screenshots and plots.
- sqlite/ (1): sqlitepie.jpg of SQLite's documentation (sqlite3-doc; Files: *, public domain):
  a man holding a pie. Not the book covers, charts and logos.
- jpeg-decoder/ (2): the benchmark images of the Rust crate jpeg-decoder
  (librust-jpeg-decoder-dev; Files: *, MIT or Apache-2.0): a hibiscus, the Eiffel Tower.
  Not the progressive and greyscale copies of the tower.
- go-image/ (1) and gowebp/ (1): yellow_rose.png of Go's image library
  (golang-golang-x-image-dev; Files: *, The Go Authors, BSD-3-clause; its WebP copies are
  left out) and sunset.jpg of gowebp's test data (golang-github-bep-gowebp-dev; Files: *,
  Expat).
- pikepdf/ (1): pike-release.jpg of pikepdf's documentation (pikepdf-doc; Files: *,
  MPL-2.0): a pike being released into a river.
- freedombox/ (10): the photos of single-board computers in FreedomBox's manual
  (freedombox-doc-en; Files: doc/*.jpg, CC-BY-SA-4.0): Raspberry Pis, Orange Pi, Olimex and
  Pine64 boards. Not the other boards' photos (grey in all but name), the thumbnails, nor the
  screenshots.
- gem/ (1) and pd-extendedview/ (1): a flower of Gem's shader examples (gem-doc; Files: *,
  GPL-2+) and shipping containers of the extendedview documentation (pd-extendedview;
  Files: *, GPL-3+). Not the sepia camera views, the drawn grids nor the 360-degree mirror ball.
- coreboot/ (24): the photos of mainboards, laptops opened up and flash chips in coreboot's
  documentation (coreboot-utils-doc; Files: Documentation/*, CC-BY-4.0). Not the photos with
  drawn circles, boxes, arrows or labels, nor the photographed BIOS screens and diagrams.
- visp/ (15): the photos of ViSP's tutorials (libvisp-doc; Files: *, Inria, GPL-2): mBot
  robots and their parts, Jetson boards, a pan-tilt camera, an AprilTag cube, a drone room,
  a living room. Not the screenshots, the processed images, the tracked objects with drawn
  outlines, nor the classic mandrill test image.
- lirc/ (5), ntpsec/ (1): infrared receivers and a remote control of LIRC's documentation
  (lirc-doc; Files: *, GPL-2+; one size of each), a GPS clock of NTPsec's (ntpsec-doc; Files:
  *, NTP licence).
- puzzle-jigsaw/ (2): the sample photos of the jigsaw game (Files: samples/*, Pexels, CC0-1.0):
  a tabby cat, a lion.
- jag/ (7) and pangzero/ (3): the landscape backgrounds of the games jag (Files: *, GPL-3+;
  skies over fields and lakes) and pangzero (Files: *, GPL-2+: two beaches and a forest path;
  its other level backgrounds are renders).
- wand/ (2), spip/ (2), aiscm/ (2), racket/ (2), morse/ (1), pattern/ (1), munipack/ (1):
  single photos of documentation and examples, each under its package's Files: * entry:
  towers and a hummingbird of Wand's documentation (wand-doc, Expat; not their processed
  versions), a squirrel and a hammock of SPIP (spip, Debian 13, GPL-3+), a pavilion and a pine
  cone of AIscm (aiscm, Debian 11, GPL-3+), two people with statues and the U.S. House in
  session of Racket (racket-common, LGPL-2.1+), a toy-strewn room of MORSE
  (morse-simulator-doc, BSD-3-clause), a Pallas's cat of Pattern (python3-pattern,
  BSD-3-clause) and an oak leaf of Munipack (munipack-doc, GPL-3+).
- mlv/ (1), vigra/ (1), png-guide/ (1): a pseudopeloric water avens of libmlv3-dev's examples
  (Files: examples/advanced/flower.jpg, from Wikipedia, CC-BY-SA-3.0), a railway tunnel in the
  mountains of VIGRA's examples (libvigraimpex-dev, Expat) and a child in a carry-on sizer of
  the PNG book's figures (png-definitive-guide, GFDL-1.1+).

extra-photos.COPYRIGHT/ gets each package's copyright file and CREDITS, a line per photo.
"""

from fetching import (
    Package,
    copyright_of,
    credited,
    files_entry,
    install_packages,
    parse_dest,
    say_ready,
    under,
)

FOLDER = "extra-photos"
EXPECTED_PHOTOS = 137
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".JPG")
PLASMA_AVATARS = "usr/share/plasma/avatars/photos/"
EFL_IMAGES = "usr/share/elementary/images/"
FREEDOMBOX_IMAGES = "usr/share/freedombox/manual/en/images/"

PLASMA_CREDITS = {
    "Air Balloon.png": "Skitterphoto, https://www.pexels.com/photo/68806/",
    "Books.png": "Pixabay, https://www.pexels.com/photo/459791/",
    "Brushes.png": "Pixabay, https://www.pexels.com/photo/262034/",
    "Bulb.png": "Skitterphoto, https://www.pexels.com/photo/745708/",
    "Car.png": "Pixabay, https://www.pexels.com/photo/274974/",
    "Cat.png": "Skitterphoto, https://www.pexels.com/photo/1457595/",
    "Chameleon.png": "Pixabay, https://www.pexels.com/photo/62289/",
    "Cocktail.png": "Public Domain Pictures, https://www.pexels.com/photo/68672/",
    "Dog.png": "Snapwire, https://www.pexels.com/photo/6877/",
    "Fish.png": "Skitterphoto, https://www.pexels.com/photo/886210/",
    "Gamepad.png": "Pixabay, https://www.pexels.com/photo/275033/",
    "Owl.png": "Pixabay, https://www.pexels.com/photo/3890/",
    "Pancakes.png": "Skitterphoto, https://www.pexels.com/photo/730922/",
    "Parrot.png": "Skitterphoto, https://www.pexels.com/photo/1331819/",
    "Pencils.png": "Public Domain Pictures, https://www.pexels.com/photo/42226/",
    "Shuttle.png": "Pixabay, https://www.pexels.com/photo/2159/",
    "Soccer.png": "Pixabay, https://www.pexels.com/photo/46798/",
    "Sunflower.png": "Snapwire, https://www.pexels.com/photo/6695/",
    "Sushi.png": "Skitterphoto, https://www.pexels.com/photo/681586/",
}

TAGUA_CREDITS = {
    "Prmao.jpg": "Maurizio Monge", "Dark_Waters.jpg": "Marcel Völschow",
    "Dark_Sunset.jpg": "Michal Winiarski", "Mont_Blanc.jpg": "Giordano Termanini",
}

FREEDOMBOX_BOARDS = ["a20-olinuxino-lime2", "a20-olinuxino-micro", "orange-pi-zero", "pioneer-edition", "raspberrypi2",
                     "raspberrypi3", "raspberrypi3bplus", "raspberrypi4b", "rock64", "rockpro64"]


# The board photos of coreboot's documentation without drawn circles, boxes, arrows or labels.
COREBOOT_PHOTOS = [
    "8760w_flash", "JSPI1-Winbond-W25Q32BVSIG", "JSPI1-connected", "compaq_8200_sff_flash2", "dg43gt_closeup",
    "dg43gt_full", "elgon1", "fw2b", "fw4b", "librem_14_ec_flash", "librem_14_flash", "p8h61-m_pro", "r60_chip",
    "rotundu_flash", "rotundu_header2", "t431s_bc_removed", "t431s_flash_chip", "t431s_programming", "top", "w530-1",
    "w530-2", "wifigo_v1_board", "x1_flash_ic", "x301_kb_removed"]

# The photos of ViSP's tutorials (robots, boards, cameras, a drone room), not its screenshots,
# processed images, tracked objects with drawn outlines, nor the classic mandrill test image.
VISP_PHOTOS = ["cube-apriltag", "drone_tag", "flir-ptu-setup", "jetson-tx2-quasar", "jetson-tx2", "mbot-auriga-mounted",
               "mbot-cable-mounted", "mbot-camera-mounted", "mbot-material", "mbot-robot", "mbot-rpi-mounted",
               "mbot-rpi-shield-mounted", "mbot-rpi-support", "mbot-serial-adapter"]


PACKAGES = (
    Package(
        "pool/main/p/plasma-workspace/plasma-workspace-data_5.27.5-2+deb12u2_all.deb",
        "plasma-workspace-data_5.27.5-2+deb12u2_all.deb",
        "057cda470bd0baf616b3e873bcaf993018d96c8ad30b09535c487f88554e6ea2", "16 MB",
        "plasma-avatars", under(PLASMA_AVATARS, sorted(PLASMA_CREDITS)), set(),
        credited(PLASMA_CREDITS, "CC0-1.0, per the photo's .license file in plasma-workspace-data"),
        {**copyright_of("plasma-workspace-data"),
         **{f"{PLASMA_AVATARS}{name}.license": f"plasma-avatars.{name}.license" for name in PLASMA_CREDITS}}),
    Package(
        "pool/main/e/efl/libelementary-data_1.28.1-1_all.deb", "libelementary-data_1.28.1-1_all.deb",
        "592645a3e853da8ee9772fe275a204cbd434ca2ed8f53d2542d936934942304b", "22 MB",
        "efl", under(EFL_IMAGES, ["mystrale.jpg", "mystrale_2.jpg", "plant_01.jpg", "sky_01.jpg", "sky_02.jpg",
                                  "sky_03.jpg", "sky_04.jpg", "twofish.jpg"]), set(),
        files_entry("libelementary-data", "the Enlightenment developers, BSD-2-clause"),
        copyright_of("libelementary-data")),
    Package(
        "pool/main/z/zoph/zoph_1.0.1-3_all.deb", "zoph_1.0.1-3_all.deb",
        "4dea0191468893856a1ba2ea3ac862289aed37810fcf08a632204d5f8565ce47", "9 MB",
        "zoph", under("usr/share/zoph/www/php/templates/default/images/backgrounds/", ["fir.jpg", "flower.jpg"]), set(),
        files_entry("zoph", "Jason Geiger and Jeroen Roos, GPL-2+"),
        copyright_of("zoph")),
    Package(
        "pool/main/t/tagua/tagua-data_1.0~alpha2-16-g618c6a0-3_all.deb", "tagua-data_1.0~alpha2-16-g618c6a0-3_all.deb",
        "5d6760bbc1c606fa3d66885eca8303082569c501a03aeaaf04ab029720e88570", "2 MB",
        "tagua", under("usr/share/tagua/themes/wallpapers/", sorted(TAGUA_CREDITS)), set(),
        credited(TAGUA_CREDITS, "GPL, as Debian's copyright of tagua-data names the wallpapers"),
        copyright_of("tagua-data")),
    Package(
        "pool/main/p/pysolfc/pysolfc_3.2.0-1_all.deb", "pysolfc_3.2.0-1_all.deb",
        "8e4ce39d795ddd27b968b5ee890d7cfdea187946088e91c0a7795bb2c36712c7", "57 MB",
        "pysolfc", under("usr/share/games/pysolfc/tiles/save-aspect/", ["Leaf.jpg", "Mountains.jpg"]), set(),
        files_entry("pysolfc", "the PySolFC authors, GPL-3+"),
        copyright_of("pysolfc")),
    Package(
        "pool/main/v/vips/libvips-doc_8.14.1-3+deb12u3_all.deb", "libvips-doc_8.14.1-3+deb12u3_all.deb",
        "16a75c257b4503524f163089ae151e1acc45b2531ce72880e58005c3f749be76", "1 MB",
        "libvips", ("usr/share/gtk-doc/html/libvips/owl.jpg",), set(),
        files_entry("libvips-doc", "John Cupitt and the libvips authors, LGPL-2.1"),
        copyright_of("libvips-doc")),
    Package(
        "pool/main/r/ruby-rmagick/ruby-rmagick-doc_4.2.3-2_all.deb", "ruby-rmagick-doc_4.2.3-2_all.deb",
        "8bbcd69e591c95008ed5ab8d05bba4071cc5eb97de5d503edccc829bb9b367f4", "1 MB",
        "rmagick", under("usr/share/doc/ruby-rmagick-doc/html/ex/images/",
                         ["Ballerina3.jpg", "Cheetah.jpg", "Hot_Air_Balloons_H.jpg", "Red_Rocks.jpg"]), set(),
        files_entry("ruby-rmagick-doc", "the RMagick authors, MIT"),
        copyright_of("ruby-rmagick-doc")),
    Package(
        "pool/main/j/jqueryui/libjs-jquery-ui-docs_1.13.2+dfsg-1_all.deb", "libjs-jquery-ui-docs_1.13.2+dfsg-1_all.deb",
        "9582e7be0561b95899f01f618f5d6a0e6742e5a0397d52d1dad5ce04bf680fe4", "1 MB",
        "jquery-ui", under("usr/share/doc/libjs-jquery-ui-docs/examples/droppable/images/",
                           ["high_tatras.jpg", "high_tatras2.jpg", "high_tatras3.jpg", "high_tatras4.jpg"]), set(),
        files_entry("libjs-jquery-ui-docs", "the jQuery UI authors, Expat"),
        copyright_of("libjs-jquery-ui-docs")),
    Package(
        "pool/main/p/petsc/petsc3.18-doc_3.18.5+dfsg1-1_all.deb", "petsc3.18-doc_3.18.5+dfsg1-1_all.deb",
        "e2d9c81101c586b1467b3ca6dc341e9902f34a8dba618be3a840bad02db5c3da", "29 MB",
        "petsc", under("usr/share/doc/petsc3.18-doc/docs/_images/",
                       ["buschelman.jpg", "dave.jpg", "dinesh.jpg", "dmitry.jpg"]), set(),
        files_entry("petsc3.18-doc", "UChicago Argonne and the PETSc Development Team, BSD-2-clause"),
        copyright_of("petsc3.18-doc")),
    Package(
        "pool/main/s/sqlite3/sqlite3-doc_3.40.1-2+deb12u2_all.deb", "sqlite3-doc_3.40.1-2+deb12u2_all.deb",
        "466e30d7066e2641fa13e56bc662a2ad521b8cc9c17dde9c9dac3d4f105e32f2", "7 MB",
        "sqlite", ("usr/share/doc/sqlite3/images/sqlitepie.jpg",), set(),
        files_entry("sqlite3-doc", "D. Richard Hipp, public domain"),
        copyright_of("sqlite3-doc")),
    Package(
        "pool/main/r/rust-jpeg-decoder/librust-jpeg-decoder-dev_0.2.6-1_amd64.deb",
        "librust-jpeg-decoder-dev_0.2.6-1_amd64.deb",
        "a93a164c79135f206875ebd35e73670f07e9d0471ccf8a162abef7a558964b9f", "1 MB",
        "jpeg-decoder", under("usr/share/cargo/registry/jpeg-decoder-0.2.6/benches/", ["large_image.jpg", "tower.jpg"]),
        set(),
        files_entry("librust-jpeg-decoder-dev", "the jpeg-decoder developers, MIT or Apache-2.0"),
        copyright_of("librust-jpeg-decoder-dev")),
    Package(
        "pool/main/g/golang-golang-x-image/golang-golang-x-image-dev_0.5.0-1_all.deb",
        "golang-golang-x-image-dev_0.5.0-1_all.deb",
        "f0920a91f9184bcd579af7bfba72266a65ff0b1b9b5a73cd3ffeb03d6b271e9b", "2 MB",
        "go-image", ("usr/share/gocode/src/golang.org/x/image/testdata/yellow_rose.png",), set(),
        files_entry("golang-golang-x-image-dev", "The Go Authors, BSD-3-clause"),
        copyright_of("golang-golang-x-image-dev")),
    Package(
        "pool/main/g/golang-github-bep-gowebp/golang-github-bep-gowebp-dev_0.2.0+dfsg-2_all.deb",
        "golang-github-bep-gowebp-dev_0.2.0+dfsg-2_all.deb",
        "d2360fa031c287a40b99c54cec411a17eedd56e04f48f0a55a169591d987f33f", "1 MB",
        "gowebp", ("usr/share/gocode/src/github.com/bep/gowebp/test_data/images/sunset.jpg",), set(),
        files_entry("golang-github-bep-gowebp-dev", "the gowebp authors, Expat"),
        copyright_of("golang-github-bep-gowebp-dev")),
    Package(
        "pool/main/p/pikepdf/pikepdf-doc_6.0.0+dfsg-1_all.deb", "pikepdf-doc_6.0.0+dfsg-1_all.deb",
        "efc7042e38b0c0f5b969d65461a6a78a0f6a0346548ca0c9c2599702995ae2b1", "1 MB",
        "pikepdf", ("usr/share/doc/python3-pikepdf/html/_images/pike-release.jpg",), set(),
        files_entry("pikepdf-doc", "James R. Barlow, MPL-2.0"),
        copyright_of("pikepdf-doc")),
    Package(
        "pool/main/f/freedombox/freedombox-doc-en_23.6.2+deb12u1_all.deb", "freedombox-doc-en_23.6.2+deb12u1_all.deb",
        "4631f393e63e1d98cf9466efeac7ba98361922d6bdeb281380799312f2559d00", "44 MB",
        "freedombox", under(FREEDOMBOX_IMAGES, [f"{name}.jpg" for name in FREEDOMBOX_BOARDS]), set(),
        files_entry("freedombox-doc-en", "the FreedomBox authors, CC-BY-SA-4.0", "Files: doc/*.jpg"),
        copyright_of("freedombox-doc-en")),
    Package(
        "pool/main/g/gem/gem-doc_0.94-8_all.deb", "gem-doc_0.94-8_all.deb",
        "6665f1e36e7788e2b7f19323240f8d085e4fd002b3cded324cef5d0a3f654ea0", "3 MB",
        "gem", ("usr/share/gem/examples/10.glsl/img1.jpg",), set(),
        files_entry("gem-doc", "IOhannes m zmölnig and the Gem authors, GPL-2+"),
        copyright_of("gem-doc")),
    Package(
        "pool/main/c/coreboot/coreboot-utils-doc_4.15~dfsg-3_all.deb", "coreboot-utils-doc_4.15~dfsg-3_all.deb",
        "f4ed9694b799853cbdeb356788b8b620785074e35447c6a0adec599cd5ed4ed4", "6 MB",
        "coreboot", under("usr/share/doc/coreboot-utils/html/_images/", [f"{name}.jpg" for name in COREBOOT_PHOTOS]),
        set(),
        files_entry("coreboot-utils-doc", "the coreboot developers, CC-BY-4.0", "Files: Documentation/*"),
        copyright_of("coreboot-utils-doc")),
    Package(
        "pool/main/p/puzzle-jigsaw/puzzle-jigsaw_1.0.2+git20201007.527c529+dfsg-4+b1_amd64.deb",
        "puzzle-jigsaw_1.0.2+git20201007.527c529+dfsg-4+b1_amd64.deb",
        "f0c23ba52d3465c9c795ba97024b6968d4b30fbca6e886813ba216047462958e", "1 MB",
        "puzzle-jigsaw", under("usr/share/puzzle-jigsaw/samples/",
                               ["cat-animal-cat-portrait-mackerel.jpg", "pexels-photo-302304.jpeg"]), set(),
        files_entry("puzzle-jigsaw", "Pexels, CC0-1.0 (the Pexels pages of photos 33537 and 302304)",
                    "Files: samples/*"),
        copyright_of("puzzle-jigsaw")),
    Package(
        "pool/main/j/jag/jag_0.3.8-2_amd64.deb", "jag_0.3.8-2_amd64.deb",
        "3d2ab534872821953cb61fd6eb33ce433b4bb4daf5b3de3aaef29f8fc458d30b", "2 MB",
        "jag", under("usr/share/games/jag/data/schemes/default/", [f"bg{number}.jpg" for number in range(1, 8)]), set(),
        files_entry("jag", "XlabSoft, Industrial Infosystems and Carlos Donizete Froes, GPL-3+"),
        copyright_of("jag")),
    Package(
        "pool/main/p/pangzero/pangzero_1.4.1+git20121103-6_all.deb", "pangzero_1.4.1+git20121103-6_all.deb",
        "59fe250f58393b2d6fcd0e67e1a9273ff6c85b539ce28b6478509774d29bb1fb", "2 MB",
        "pangzero", under("usr/share/perl5/auto/share/dist/Games-PangZero/", ["l2.jpg", "l4.jpg", "l6.jpg"]), set(),
        files_entry("pangzero", "UPi and DaniGM, GPL-2+"),
        copyright_of("pangzero")),
    Package(
        "pool/main/w/wand/wand-doc_0.6.11-1_all.deb", "wand-doc_0.6.11-1_all.deb",
        "0ea3b8ba0f0d7f7c49514e45cf03fcff7c567ae4e385317d89dab7ac0721ac87", "5 MB",
        "wand", under("usr/share/doc/wand-doc/html/_images/", ["enhancement.jpg", "hummingbird.jpg"]), set(),
        files_entry("wand-doc", "Hong Minhee and E. McConville, Expat"),
        copyright_of("wand-doc")),
    Package(
        "pool/main/s/spip/spip_4.4.30+dfsg-0+deb13u1_all.deb", "spip_4.4.30+dfsg-0+deb13u1_all.deb",
        "65aa9521fc0b854db25102355846841224d2d382bc593ba1e5314846a6c44e47", "4 MB",
        "spip", ("usr/share/spip/plugins-dist/mediabox/img/demo.jpg", "usr/share/spip/prive/images/test_image.jpg"),
        set(),
        files_entry("spip", "Arnaud Martin, Antoine Pitrou, Philippe Riviere, Emmanuel Saint-James and others, GPL-3+"),
        copyright_of("spip")),
    Package(
        "pool/main/a/aiscm/aiscm_0.22.1-1_amd64.deb", "aiscm_0.22.1-1_amd64.deb",
        "f99e9bf54f60efeeed6541def9d73ebd79addc64ea97451e81d7748c4a47e566", "1 MB",
        "aiscm", under("usr/share/doc/aiscm/", ["pavillion.jpg", "v4l2.jpg"]), set(),
        files_entry("aiscm", "Jan Wedekind, GPL-3+"),
        copyright_of("aiscm")),
    Package(
        "pool/main/r/racket/racket-common_8.7+dfsg1-1_all.deb", "racket-common_8.7+dfsg1-1_all.deb",
        "aa3c71cb62588aa4ccc959806c123d2719f655e99369b2122d30128461731ce3", "14 MB",
        "racket", ("usr/share/racket/pkgs/games/slidey/11.jpg",
                   "usr/share/racket/pkgs/images-doc/images/scribblings/images/state-of-the-union.jpg"), set(),
        files_entry("racket-common", "PLT Scheme Inc., LGPL-2.1+"),
        copyright_of("racket-common")),
    Package(
        "pool/main/n/ntpsec/ntpsec-doc_1.2.2+dfsg1-1+deb12u1_all.deb", "ntpsec-doc_1.2.2+dfsg1-1+deb12u1_all.deb",
        "f0622777a42e9029e5cb991df7cd16d360bfb030c175d6807dce3f9ac29fb880", "1 MB",
        "ntpsec", ("usr/share/doc/ntpsec-doc/html/pic/thunderbolt.jpg",), set(),
        files_entry("ntpsec-doc", "the Network Time Foundation and the NTPsec contributors, NTP licence"),
        copyright_of("ntpsec-doc")),
    Package(
        "pool/main/l/lirc/lirc-doc_0.10.1-7.2_all.deb", "lirc-doc_0.10.1-7.2_all.deb",
        "5db6876c5cebf6a985f7affb03f8660c71b92452ecd9a2b4122487064dc19d88", "1 MB",
        "lirc", under("usr/share/doc/lirc/lirc.org/images/", ["atwf83.jpg", "d.jpg", "lirc1.jpg", "lirc2.jpg", "lirc3.jpg"]),
        set(),
        files_entry("lirc-doc", "Christoph Bartelmus and the LIRC authors, GPL-2+"),
        copyright_of("lirc-doc")),
    Package(
        "pool/main/m/morse-simulator/morse-simulator-doc_1.4-8_all.deb", "morse-simulator-doc_1.4-8_all.deb",
        "7e3a399ef4b7eb6b2e31649af43264d3637b8ebd05a1f9786b3879acbc91f732", "13 MB",
        "morse", ("usr/share/doc/morse/html/_images/ranger_robot.jpg",), set(),
        files_entry("morse-simulator-doc", "LAAS-CNRS and ONERA, BSD-3-clause"),
        copyright_of("morse-simulator-doc")),
    Package(
        "pool/main/v/visp/libvisp-doc_3.5.0-4_all.deb", "libvisp-doc_3.5.0-4_all.deb",
        "535ba4e17654490c891c4ad5037173a2497b7614225ce9b598158923c25a4551", "31 MB",
        "visp", under("usr/share/doc/libvisp-dev/html/", [f"img-{name}.jpg" for name in VISP_PHOTOS]) + (
            "usr/share/doc/libvisp-dev/html/img-detection-objects.jpeg",), set(),
        files_entry("libvisp-doc", "Inria, GPL-2"),
        copyright_of("libvisp-doc")),
    Package(
        "pool/main/p/python-pattern/python3-pattern_2.6+git20180818-4_all.deb",
        "python3-pattern_2.6+git20180818-4_all.deb",
        "9bdb8e36c780db9c701fa9519425c0217fbab2bc1af28eb127caaa6bde7fc4b1", "16 MB",
        "pattern", ("usr/share/doc/python3-pattern/examples/08-server/01-basic/static/cat.jpg",), set(),
        files_entry("python3-pattern", "the University of Antwerp, BSD-3-clause"),
        copyright_of("python3-pattern")),
    Package(
        "pool/main/m/munipack/munipack-doc_0.6.1-1_all.deb", "munipack-doc_0.6.1-1_all.deb",
        "a249071d3ba6224f7ad2647a2a36992f4bf7abf871c9edfb4dd1fec5162242f0", "20 MB",
        "munipack", ("usr/share/doc/munipack/oakleaf.jpeg",), set(),
        files_entry("munipack-doc", "Filip Hroch, GPL-3+"),
        copyright_of("munipack-doc")),
    Package(
        "pool/main/m/mlv/libmlv3-dev_3.1.0-8_amd64.deb", "libmlv3-dev_3.1.0-8_amd64.deb",
        "1f05d51de263ec3097fb6a388ba403a7b3c897d714c905e48398cba4513761e8", "1 MB",
        "mlv", ("usr/share/doc/libmlv3-dev/doc/mlv/examples/advanced/flower.jpg",), set(),
        lambda name: ("Meneerke bloem (Wikipedia: Geum_rivale_pseudopeloric_2.jpg), CC-BY-SA-3.0 (Debian's "
                      "copyright of libmlv3-dev: Files: examples/advanced/flower.jpg)"),
        copyright_of("libmlv3-dev")),
    Package(
        "pool/main/libv/libvigraimpex/libvigraimpex-dev_1.11.1+dfsg-11_amd64.deb",
        "libvigraimpex-dev_1.11.1+dfsg-11_amd64.deb",
        "f8009e598b40c50dbbad6079bb9677b8262c491265ad16eee513d22d770bf2bf", "6 MB",
        "vigra", ("usr/share/doc/libvigraimpex-dev/examples/oi.JPG",), set(),
        files_entry("libvigraimpex-dev", "Ullrich Köthe and the VIGRA authors, Expat"),
        copyright_of("libvigraimpex-dev")),
    Package(
        "pool/main/p/png-definitive-guide/png-definitive-guide_20060430-4_all.deb",
        "png-definitive-guide_20060430-4_all.deb",
        "3a6f84106f6dbba83663d6e19a4a901b503b75a31ae35623b9194582299dacd6", "7 MB",
        "png-guide", ("usr/share/doc/png-definitive-guide/html/figs/png.C4a.png",), set(),
        files_entry("png-definitive-guide", "O'Reilly and Associates and Greg Roelofs, GFDL-1.1+"),
        copyright_of("png-definitive-guide")),
    Package(
        "pool/main/p/pd-extendedview/pd-extendedview_0.5~repack-4_all.deb", "pd-extendedview_0.5~repack-4_all.deb",
        "15736773df4797252fb3559ebf760418d1e7726f920ce5a35c0ee668f8338c6b", "6 MB",
        "pd-extendedview", ("usr/share/doc/pd-extendedview/media/container.jpg",), set(),
        files_entry("pd-extendedview", "IEM, Peter Venus and Marian Weger, GPL-3+"),
        copyright_of("pd-extendedview")),
)


def fetch(dest):
    """Download (unless present), verify and unpack the photos; returns their folder."""
    return install_packages(dest, FOLDER, EXPECTED_PHOTOS, PHOTO_SUFFIXES, PACKAGES)


def main(argv=None):
    say_ready(fetch(parse_dest(__doc__, argv)), EXPECTED_PHOTOS)


if __name__ == "__main__":
    main()
